import type { Event } from '@tributary/contracts';
import type { EventSink } from '../event-sink.js';

/** An {@link EventSink} that keeps what it is given, and fails on demand, for tests. */
export class InMemoryEventSink implements EventSink {
  readonly name: string;
  /** Every event written, in order, rewrites included. */
  readonly written: Event[] = [];
  /** The protobuf bytes given with each of {@link written}. */
  readonly writtenProtobuf: Uint8Array[] = [];
  /** While set, `write` rejects with it (and keeps nothing). */
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
}
