import { setTimeout as sleep } from 'node:timers/promises';
import type { TributaryError } from '@tributary/errors';
import { createLogger, type Logger } from '@tributary/observability';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { createDeadLetterWriter } from './dead-letter.js';
import { KafkaClosedError, KafkaUnavailableError } from './errors.js';
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

/** A consumer group member that hands typed records to a handler with at-least-once delivery. */
export interface TypedConsumer {
  /** Connects, subscribes and joins the group; resolves once records can flow. Idempotent. */
  start(): Promise<void>;
  /**
   * True while some partition is held because a dependency is down: its
   * handler keeps failing with a retryable error and the records wait rather
   * than go to the dead-letter topic.
   */
  readonly stalled: boolean;
  /** Stops fetching; the record in flight finishes and the next waits for `resume()`. */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  /**
   * Stops fetching, aborts the handlers' `signal`, lets in-flight handlers
   * finish, commits what was handled, leaves the group. A handler that fails
   * once the signal is aborted leaves its records to the group's next owner
   * (neither committed nor retried nor dead-lettered). Idempotent.
   */
  close(): Promise<void>;
}

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
  /** Aborted when the consumer closes: ends the waits of an outage and tells handlers to give up. */
  const closed = new AbortController();
  /** Partitions with a batch in hand, and whether a failed heartbeat says the group is taking them back. */
  const inHand = new Map<number, { lost: boolean }>();
  const stalledPartitions = new Set<number>();

  /** Holds a partition through one wait of an outage; false when the consumer is closing or losing it. */
  async function waitForRecovery(error: TributaryError, partition: number): Promise<boolean> {
    if (stopping) return false;
    if (!stalledPartitions.has(partition)) {
      stalledPartitions.add(partition);
      metrics.stalled.set({ topic: topic.name, group: groupId }, stalledPartitions.size);
      logger.error({ err: error, topic: topic.name, partition, groupId, retryEveryMs: retryMaxDelayMs }, 'a dependency is unavailable; holding the partition until it recovers');
    }
    try {
      await sleep(retryMaxDelayMs, undefined, { signal: closed.signal });
    } catch {
      return false; // closing: the next owner of the partition handles the records
    }
    // A rebalance is taking the partition: let it, the next owner handles the records.
    return !stopping && inHand.get(partition)?.lost !== true;
  }

  /** The partition is no longer held: its records went through, or it was let go (closing, rebalance). */
  function endStall(partition: number, outcome: 'recovered' | 'let go'): void {
    if (!stalledPartitions.delete(partition)) return;
    metrics.stalled.set({ topic: topic.name, group: groupId }, stalledPartitions.size);
    if (outcome === 'recovered') logger.info({ topic: topic.name, partition, groupId }, 'dependency recovered; the partition moves on');
  }

  const processRecords = createRecordProcessor({
    topic,
    groupId,
    handler: toBatchHandler(options),
    retry: { retries: options.retries ?? 3, baseDelayMs: options.retryBaseDelayMs ?? 100, maxDelayMs: retryMaxDelayMs },
    deadLetters,
    waitForRecovery,
    closing: closed.signal,
    logger,
  });
  const offsets = new OffsetTracker(topic.name, { commitIntervalMs, commitEveryRecords: options.commitEveryRecords ?? 1000 });
  const metrics = kafkaMetrics();
  const consumed = metrics.consumed.labels(topic.name, groupId);
  const inFlight = new Set<Promise<void>>();
  let paused = false;
  let stopping = false;
  let running = false;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let commitTimer: NodeJS.Timeout | undefined;
  let committing: Promise<void> = Promise.resolve();

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
        if (paused || stopping || !isRunning() || isStale()) return;
        const chunk = messages.slice(start, start + recordsPerCall);
        const last = chunk[chunk.length - 1];
        if (!last) return;
        if (!(await processRecords(partition, chunk))) {
          endStall(partition, 'let go');
          return;
        }
        endStall(partition, 'recovered');
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

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const done = handleBatch(payload);
    inFlight.add(done);
    try {
      await done;
    } finally {
      inFlight.delete(done);
    }
  }

  function pauseFetching(): void {
    if (running) consumer.pause([{ topic: topic.name }]);
  }

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    offsets.retainAssigned(payload.memberAssignment);
    if (paused || stopping) pauseFetching();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const log = payload.restart ? logger.warn.bind(logger) : logger.error.bind(logger);
    log({ err: payload.error, groupId, restart: payload.restart }, payload.restart ? 'consumer crashed; restarting' : 'consumer crashed and stopped');
  });

  async function connectAndRun(): Promise<void> {
    try {
      await deadLetters.start();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic.name], fromBeginning });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: partitionsConcurrency, eachBatch });
    } catch (reason) {
      await Promise.allSettled([consumer.disconnect(), deadLetters.close()]);
      throw new KafkaUnavailableError(`consumer start (group ${groupId})`, reason);
    }
    running = true;
    if (paused) pauseFetching();
    commitTimer = setInterval(() => {
      if (offsets.isDue()) void commit();
    }, commitIntervalMs);
    commitTimer.unref();
    logger.info({ groupId, topic: topic.name }, 'consumer started');
  }

  return {
    start() {
      if (closing) return Promise.reject(new KafkaClosedError('consumer'));
      starting ??= connectAndRun().catch((reason: unknown) => {
        starting = undefined;
        throw reason;
      });
      return starting;
    },
    pause() {
      paused = true;
      pauseFetching();
    },
    resume() {
      paused = false;
      if (running && !stopping) consumer.resume([{ topic: topic.name }]);
    },
    get paused() {
      return paused;
    },
    get stalled() {
      return stalledPartitions.size > 0;
    },
    close() {
      closing ??= (async () => {
        stopping = true;
        closed.abort();
        if (!(await starting?.then(() => true, () => false))) return;
        pauseFetching();
        await Promise.allSettled([...inFlight]);
        clearInterval(commitTimer);
        await commit();
        running = false;
        await consumer.disconnect();
        await deadLetters.close();
        logger.info({ groupId, topic: topic.name }, 'consumer closed');
      })();
      return closing;
    },
  };
}

/** Record mode is batch mode with one record per call. */
function toBatchHandler<T>(options: ConsumerOptions<T>): BatchHandler<T> {
  if (options.batchHandler) return options.batchHandler;
  const { handler } = options;
  return async ([record], context) => {
    if (record) await handler(record, context);
  };
}
