/**
 * Remembers which event ids were already written. The ingestor asks before
 * writing and tells after the write is durable (see `createIngestor`), so a
 * failure in between makes an event be written twice, never lost.
 */
export interface Deduplicator {
  /** Which of these ids were marked as written. */
  findSeen(eventIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Marks these ids as written; marking an id again changes nothing. */
  markSeen(eventIds: readonly string[]): Promise<void>;
}
