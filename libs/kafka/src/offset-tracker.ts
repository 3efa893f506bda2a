import type { TopicPartitionOffsetAndMetadata } from 'kafkajs';

/** Options of {@link OffsetTracker}. */
export interface OffsetTrackerOptions {
  /** A commit is due once this much time passed since the last one, in ms. */
  readonly commitIntervalMs: number;
  /** A commit is due once this many records were handled since the last one. */
  readonly commitEveryRecords: number;
  /** Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The offsets a consumer of one topic may commit: per partition, the offset after the last
 * record whose handling finished. Records of a partition finish in order, so
 * committing it never skips a record still being handled.
 */
export class OffsetTracker {
  /** Per partition, the last handled offset (not yet +1: that is done once, in `take()`). */
  private readonly pending = new Map<number, string>();
  private handledSinceCommit = 0;
  private lastCommitAtMs: number;
  private readonly now: () => number;

  constructor(
    private readonly topic: string,
    private readonly options: OffsetTrackerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.lastCommitAtMs = this.now();
  }

  /** Records up to and including `offset` of the partition are done. */
  markHandled(partition: number, offset: string, records: number): void {
    this.pending.set(partition, offset);
    this.handledSinceCommit += records;
  }

  /** Whether there is something to commit and the interval or the record count says it is time. */
  isDue(): boolean {
    if (this.pending.size === 0) return false;
    return (
      this.handledSinceCommit >= this.options.commitEveryRecords || this.now() - this.lastCommitAtMs >= this.options.commitIntervalMs
    );
  }

  /** The offsets to commit now (the next record to read, per partition); they are no longer pending. */
  take(): TopicPartitionOffsetAndMetadata[] {
    const offsets = [...this.pending].map(([partition, handled]) => ({ topic: this.topic, partition, offset: (BigInt(handled) + 1n).toString() }));
    this.pending.clear();
    this.handledSinceCommit = 0;
    this.lastCommitAtMs = this.now();
    return offsets;
  }

  /** Puts back offsets `take()` gave whose commit failed, unless a later offset of the partition is pending already. */
  restore(offsets: readonly TopicPartitionOffsetAndMetadata[]): void {
    for (const { partition, offset } of offsets) {
      if (!this.pending.has(partition)) this.pending.set(partition, (BigInt(offset) - 1n).toString());
    }
  }

  /** Forgets partitions this member no longer owns after a rebalance: their new owner commits them. */
  retainAssigned(assignment: Readonly<Record<string, readonly number[]>>): void {
    const assigned = assignment[this.topic] ?? [];
    for (const partition of this.pending.keys()) {
      if (!assigned.includes(partition)) this.pending.delete(partition);
    }
  }
}
