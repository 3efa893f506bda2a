/** What {@link Deduplicator.claim} found for a batch's ids; every other id was claimed by this call. */
export interface ClaimResult {
  /** Ids marked as written: duplicates. */
  readonly seen: ReadonlySet<string>;
  /**
   * Ids an earlier attempt claimed and never marked — it failed or its
   * process died between the writes and the mark — so some sinks may
   * already hold them.
   */
  readonly pending: ReadonlySet<string>;
}

/**
 * Remembers which event ids were already written. The ingestor claims the ids
 * before writing and marks them after the writes are durable (see
 * `createIngestor`), so a failure in between leaves them pending: the next
 * attempt knows to ask the sinks what they already hold instead of writing
 * blindly, and an event is never lost.
 */
export interface Deduplicator {
  /**
   * Looks the ids up and, in the same step, claims the unknown ones as
   * pending. Claiming an id that is pending or seen changes nothing.
   */
  claim(eventIds: readonly string[]): Promise<ClaimResult>;
  /** Marks these ids as written; marking an id again changes nothing. */
  markSeen(eventIds: readonly string[]): Promise<void>;
}
