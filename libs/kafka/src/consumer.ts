import { createLogger, type Logger } from '@tributary/observability';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { createConsumerLifecycle, type TypedConsumer } from './consumer-lifecycle.js';
import { createDeadLetterWriter } from './dead-letter.js';
import { kafkaMetrics } from './metrics.js';
import { OffsetTracker } from './offset-tracker.js';
import { createRecordProcessor, type BatchHandler, type ConsumedRecord, type HandlerContext } from './record-processor.js';
import type { TopicDefinition } from './topic.js';
import { topics } from './topics.js';

/** Handles one record; throwing fails it (see {@link ConsumerOptions} for what happens next). */
export type RecordHandler<T> = (record: ConsumedRecord<T>, context: HandlerContext) => Promise<void>;

/** Options shared by both handler modes of {@link createConsumer}. */
export interface ConsumerBaseOptions<T> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: TopicDefinition<T>;
  /** Where records go after their last retry. Default `events.dlq`. */
  readonly deadLetterTopic?: string;
  /** Retries of a failed handler call before the record is dead-lettered. Default 3. */
  readonly retries?: number;
  /** Backoff scale of the first retry, in ms (full jitter, doubling). Default 100. */
  readonly retryBaseDelayMs?: number;
  /**
   * Upper bound of one backoff wait, in ms; also how often a partition held by
   * an outage tries its records again. Default 5000.
   */
  readonly retryMaxDelayMs?: number;
  /** Commit handled offsets at least this often while records flow, in ms. Default 1000. */
  readonly commitIntervalMs?: number;
  /** …or as soon as this many records were handled since the last commit. Default 1000. */
  readonly commitEveryRecords?: number;
  /** Partitions handled at the same time (records of one partition are always handled in order). Default 1. */
  readonly partitionsConcurrency?: number;
  /** Where a group without committed offsets starts: the oldest record (true) or new records only. Default true. */
  readonly fromBeginning?: boolean;
  /**
   * The group drops a member silent for this long and hands its partitions to
   * the others, in ms: after a crash (kill -9) its records wait about this long.
   * Default 10 000 (see the README on failover for the trade-off).
   */
  readonly sessionTimeoutMs?: number;
  /**
   * Least time between two heartbeats, in ms; the member heartbeats this often
   * while a handler runs too, however long it takes. Default 1000.
   */
  readonly heartbeatIntervalMs?: number;
  /** Longest broker wait for new records in one fetch; `close()` may wait this long too, in ms. Default 500. */
  readonly maxWaitTimeMs?: number;
  /** Default a logger named `kafka-consumer`. */
  readonly logger?: Logger;
}

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
  const { kafka, groupId, topic, partitionsConcurrency = 1, fromBeginning = true, commitIntervalMs = 1000 } = options;
  const logger = options.logger ?? createLogger({ name: 'kafka-consumer' });
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: heartbeatIntervalMs,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
  });
  const deadLetters = createDeadLetterWriter({ kafka, topic: options.deadLetterTopic ?? topics.eventsDlq.name, consumerGroup: groupId, logger });
  const recordsPerCall = options.batchHandler ? (options.maxBatchSize ?? 500) : 1;
  const retryMaxDelayMs = options.retryMaxDelayMs ?? 5000;
  /** Partitions with a batch in hand, and whether a failed heartbeat says the group is taking them back. */
  const inHand = new Map<number, { lost: boolean }>();
  const offsets = new OffsetTracker(topic.name, { commitIntervalMs, commitEveryRecords: options.commitEveryRecords ?? 1000 });
  const metrics = kafkaMetrics();
  const consumed = metrics.consumed.labels(topic.name, groupId);
  let commitTimer: NodeJS.Timeout | undefined;
  let committing: Promise<void> = Promise.resolve();

  const lifecycle = createConsumerLifecycle({
    consumer,
    topic: topic.name,
    groupId,
    fromBeginning,
    partitionsConcurrency,
    retryMaxDelayMs,
    kind: 'consumer',
    logger,
    handleBatch,
    open: () => deadLetters.start(),
    release: () => deadLetters.close(),
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

  const processRecords = createRecordProcessor({
    topic,
    groupId,
    handler: toBatchHandler(options),
    retry: { retries: options.retries ?? 3, baseDelayMs: options.retryBaseDelayMs ?? 100, maxDelayMs: retryMaxDelayMs },
    deadLetters,
    // A rebalance taking the partition ends the hold too: its next owner handles the records.
    waitForRecovery: async (error, partition) =>
      (await lifecycle.holdThroughOutage(error, partition)) && !lifecycle.stopping && inHand.get(partition)?.lost !== true,
    closing: lifecycle.closing,
    logger,
  });

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
        if (lifecycle.halted || !isRunning() || isStale()) return;
        const chunk = messages.slice(start, start + recordsPerCall);
        const last = chunk[chunk.length - 1];
        if (!last) return;
        if (!(await processRecords(partition, chunk))) {
          lifecycle.endStall(partition, 'let go');
          return;
        }
        lifecycle.endStall(partition, 'recovered');
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

  return lifecycle;
}

/** Record mode is batch mode with one record per call. */
function toBatchHandler<T>(options: ConsumerOptions<T>): BatchHandler<T> {
  if (options.batchHandler) return options.batchHandler;
  const { handler } = options;
  return async ([record], context) => {
    if (record) await handler(record, context);
  };
}
