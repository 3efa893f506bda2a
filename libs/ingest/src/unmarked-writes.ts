/**
 * Per sink, the ids of events it wrote whose ids are not yet marked as seen:
 * what a retried batch must not write to that sink again. Bounded: past
 * `maxIds` per sink the oldest are forgotten, which at worst writes an event
 * twice (as a crash would), never loses one.
 */
export class UnmarkedWrites {
  private readonly written: Set<string>[];

  constructor(
    sinkCount: number,
    private readonly maxIds: number,
  ) {
    this.written = Array.from({ length: sinkCount }, () => new Set<string>());
  }

  /** Whether sink `sink` already wrote the event. */
  has(sink: number, eventId: string): boolean {
    return this.written[sink]?.has(eventId) === true;
  }

  /** Sink `sink` durably wrote these events. */
  add(sink: number, eventIds: readonly string[]): void {
    const ids = this.written[sink];
    if (!ids) return;
    for (const id of eventIds) ids.add(id);
    for (const oldest of ids) {
      if (ids.size <= this.maxIds) break;
      ids.delete(oldest);
    }
  }

  /** The ids are marked as seen (or found marked): no sink needs to remember them. */
  forget(eventIds: Iterable<string>): void {
    for (const id of eventIds) for (const ids of this.written) ids.delete(id);
  }
}
