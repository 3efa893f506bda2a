import { createLogger } from '@tributary/observability';
import type { EachBatchPayload } from 'kafkajs';
import { createGroupMember, type ConsumerBaseOptions, type TypedConsumer } from './group-member.js';
import { kafkaMetrics } from './metrics.js';
import { OffsetTracker } from './offset-tracker.js';
import type { BatchHandler, ConsumedRecord, HandlerContext } from './record-processor.js';

/** Handles one record; throwing fails it (see {@link ConsumerOptions} for what happens next). */
export type RecordHandler<T> = (record: ConsumedRecord<T>, context: HandlerContext) => Promise<void>;

/** Options of {@link createConsumer}: a handler per record, or a handler of batches for throughput. */
export type ConsumerOptions<T> = ConsumerBaseOptions<T> &
  (
    | { readonly handler: RecordHandler<T>; readonly batchHandler?: never; readonly maxBatchSize?: never }
    | {
        readonly batchHandler: BatchHandler<T>;
        /** Most records in one batch handler call. Default 500. */
        readonly maxBatchSize?: number;
        readonly handler?: never;
      }
  );

/**
 * Creates a {@link TypedConsumer}. Offsets are committed only for records
 * whose handling finished, at most every `commitIntervalMs`/`commitEveryRecords`.
 * A failed record is retried with jittered backoff (unless its error says it is
 * not retryable, like a decode error), then written to the dead-letter topic
 * with `dlq_*` headers and committed, so its partition moves on — unless the
 * last error is retryable: then a dependency is down, not the record bad, and
 * the partition holds its records (heartbeating, not committing) and tries
 * them again every `retryMaxDelayMs` until they succeed or the consumer closes.
 */
export function createConsumer<T>(options: ConsumerOptions<T>): TypedConsumer {
  const { groupId, topic, commitIntervalMs = 1000 } = options;
  const logger = options.logger ?? createLogger({ name: 'kafka-consumer' });
  const recordsPerCall = options.batchHandler ? (options.maxBatchSize ?? 500) : 1;
  /** Partitions with a batch in hand, and whether a failed heartbeat says the group is taking them back. */
  const inHand = new Map<number, { lost: boolean }>();
  const offsets = new OffsetTracker(topic.name, { commitIntervalMs, commitEveryRecords: options.commitEveryRecords ?? 1000 });
  const metrics = kafkaMetrics();
  const consumed = metrics.consumed.labels(topic.name, groupId);
  let commitTimer: NodeJS.Timeout | undefined;
  let committing: Promise<void> = Promise.resolve();

  const member = createGroupMember(options, {
    kind: 'consumer',
    logger,
    handler: toBatchHandler(options),
    // A rebalance taking the partition ends the hold: its next owner handles the records.
    stillHeld: (partition) => inHand.get(partition)?.lost !== true,
    handleBatch,
    onRunning() {
      commitTimer = setInterval(() => {
        if (offsets.isDue()) void commit();
      }, commitIntervalMs);
      commitTimer.unref();
    },
    onGroupJoin: (assignment) => offsets.retainAssigned(assignment),
    async drain() {
      clearInterval(commitTimer);
      await commit();
    },
  });
  const { consumer, deadLetters, processRecords, heartbeatIntervalMs } = member;

  /** Commits what is pending; commits run one at a time and never throw (a failed one is retried later). */
  function commit(): Promise<void> {
    committing = committing.then(async () => {
      const pending = offsets.take();
      if (pending.length === 0) return;
      try {
        await consumer.commitOffsets(pending);
        for (const { partition, offset } of pending) deadLetters.forgetBefore(topic.name, partition, offset);
      } catch (reason) {
        offsets.restore(pending);
        logger.warn({ err: reason, groupId, offsets: pending }, 'offset commit failed; will try again');
      }
    });
    return committing;
  }

  async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { messages, partition } = batch;
    let lastHandled: string | undefined;
    let handledCount = 0;
    // kafkajs heartbeats only between handler calls; a long handler (a training run, an outage) would drop the member.
    // It sends at most one per interval, so asking three times an interval keeps the gaps near the interval.
    const state = { lost: false };
    inHand.set(partition, state);
    const heartbeating = setInterval(() => {
      heartbeat().catch((reason: unknown) => {
        if (!state.lost) logger.warn({ err: reason, groupId, partition }, 'heartbeat failed while handling; the group is rebalancing');
        state.lost = true;
      });
    }, heartbeatIntervalMs / 3);
    try {
      for (let start = 0; start < messages.length; start += recordsPerCall) {
        if (member.halted || !isRunning() || isStale()) return;
        const chunk = messages.slice(start, start + recordsPerCall);
        const last = chunk[chunk.length - 1];
        if (!last) return;
        if (!(await processRecords(partition, chunk))) {
          member.endStall(partition, 'let go');
          return;
        }
        member.endStall(partition, 'recovered');
        lastHandled = last.offset;
        handledCount += chunk.length;
        offsets.markHandled(partition, last.offset, chunk.length);
        if (offsets.isDue()) await commit();
        try {
          await heartbeat();
        } catch (reason) {
          // A rebalance is starting: commit what was handled while this member still owns it.
          await commit();
          throw reason;
        }
      }
      metrics.lag.set({ topic: topic.name, partition: String(partition), group: groupId }, Number(batch.offsetLag()));
    } finally {
      clearInterval(heartbeating);
      inHand.delete(partition);
      // The next fetch of this partition starts after the last handled record. Resolved and
      // counted once per batch rather than per record: kafkajs parses every offset it is given.
      if (lastHandled !== undefined) resolveOffset(lastHandled);
      consumed.inc(handledCount);
    }
  }

  return member;
}

/** Record mode is batch mode with one record per call. */
function toBatchHandler<T>(options: ConsumerOptions<T>): BatchHandler<T> {
  if (options.batchHandler) return options.batchHandler;
  const { handler } = options;
  return async ([record], context) => {
    if (record) await handler(record, context);
  };
}
