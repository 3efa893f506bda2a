import type { Event } from '@tributary/contracts';
import type { EventSink } from '../event-sink.js';

/** An {@link EventSink} that keeps what it is given, and fails on demand, for tests. */
export class InMemoryEventSink implements EventSink {
  readonly name: string;
  /** Every event written, in order, rewrites included. */
  readonly written: Event[] = [];
  /** While set, `write` rejects with it (and keeps nothing). */
  failWith: Error | undefined;

  constructor(name = 'in-memory') {
    this.name = name;
  }

  write(events: readonly Event[]): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.written.push(...events);
    return Promise.resolve();
  }
}
