import type { ClaimResult, Deduplicator } from '../deduplicator.js';

/** A {@link Deduplicator} in two Sets, for tests of what uses one; keeps claims and marks forever. */
export class InMemoryDeduplicator implements Deduplicator {
  /** Ids marked as written so far. */
  readonly seen = new Set<string>();
  /** Ids claimed and not marked (an attempt that failed or died before marking). */
  readonly pending = new Set<string>();

  claim(eventIds: readonly string[]): Promise<ClaimResult> {
    const result = { seen: new Set<string>(), pending: new Set<string>() };
    for (const id of eventIds) {
      if (this.seen.has(id)) result.seen.add(id);
      else if (this.pending.has(id)) result.pending.add(id);
      else this.pending.add(id);
    }
    return Promise.resolve(result);
  }

  markSeen(eventIds: readonly string[]): Promise<void> {
    for (const id of eventIds) {
      this.pending.delete(id);
      this.seen.add(id);
    }
    return Promise.resolve();
  }
}
