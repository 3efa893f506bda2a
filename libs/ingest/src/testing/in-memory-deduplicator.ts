import type { Deduplicator } from '../deduplicator.js';

/** A {@link Deduplicator} in a Set, for tests of what uses one; keeps marks forever. */
export class InMemoryDeduplicator implements Deduplicator {
  /** Ids marked so far. */
  readonly seen = new Set<string>();

  findSeen(eventIds: readonly string[]): Promise<ReadonlySet<string>> {
    return Promise.resolve(new Set(eventIds.filter((id) => this.seen.has(id))));
  }

  markSeen(eventIds: readonly string[]): Promise<void> {
    for (const id of eventIds) this.seen.add(id);
    return Promise.resolve();
  }
}
