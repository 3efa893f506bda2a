import type { Event } from '@tributary/contracts';
import type { EventSink } from '../event-sink.js';

/**
 * An {@link EventSink} that keeps what it is given, answers which events it
 * holds (as a table does), and fails on demand, for tests. A sink that cannot
 * answer, as a topic cannot, is `{ name, write: (...args) => sink.write(...args) }`.
 */
export class InMemoryEventSink implements EventSink {
  readonly name: string;
  /** Every event written, in order, rewrites included. */
  readonly written: Event[] = [];
  /** The protobuf bytes given with each of {@link written}. */
  readonly writtenProtobuf: Uint8Array[] = [];
  /** While set, `write` and `findWritten` reject with it (and keep nothing). */
  failWith: Error | undefined;

  constructor(name = 'in-memory') {
    this.name = name;
  }

  write(events: readonly Event[], protobuf: readonly Uint8Array[]): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.written.push(...events);
    this.writtenProtobuf.push(...protobuf);
    return Promise.resolve();
  }

  findWritten(events: readonly Event[]): Promise<ReadonlySet<string>> {
    if (this.failWith) return Promise.reject(this.failWith);
    const held = new Set(this.written.map((event) => event.eventId));
    return Promise.resolve(new Set(events.flatMap((event) => (held.has(event.eventId) ? [event.eventId] : []))));
  }
}
