import { setTimeout as sleep } from 'node:timers/promises';
import type { TributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/observability';
import type { Consumer, EachBatchPayload, IMemberAssignment, Kafka } from 'kafkajs';
import { createDeadLetterWriter, type DeadLetterWriter } from './dead-letter.js';
import { KafkaClosedError, KafkaUnavailableError } from './errors.js';
import { kafkaMetrics } from './metrics.js';
import { createRecordProcessor, type BatchHandler, type RecordProcessor } from './record-processor.js';
import type { TopicDefinition } from './topic.js';
import { topics } from './topics.js';

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

/** Options of every consumer group member: both handler modes of `createConsumer`, and `createTransactionalConsumer`. */
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

/** What differs between the members built on {@link createGroupMember}. */
export interface GroupMemberOptions<T> {
  /** Names the member in its logs and start errors, e.g. `consumer`. */
  readonly kind: string;
  readonly logger: Logger;
  /** Handles the records of one call, retried and dead-lettered by the member's record processor. */
  readonly handler: BatchHandler<T>;
  /**
   * Whether a partition held through an outage is still this member's after a
   * wait (the hold is over, the next owner handles the records, when false).
   * Default: it is while the member is not closing.
   */
  readonly stillHeld?: (partition: number) => boolean;
  /** Handles one fetched batch; the member counts it in flight until it settles. */
  readonly handleBatch: (payload: EachBatchPayload) => Promise<void>;
  /** Opens what the member needs beside its consumer and dead-letter writer (an admin), before it joins. Default nothing. */
  readonly open?: () => Promise<void>;
  /** Closes what `open` opened: after the consumer left the group, or after a failed start. Default nothing. */
  readonly release?: () => Promise<void>;
  /** Runs once records can flow. Default nothing. */
  readonly onRunning?: () => void;
  /** Runs each time the member joins the group (partitions may have changed hands). Default nothing. */
  readonly onGroupJoin?: (assignment: IMemberAssignment) => void;
  /** The last work before the member leaves the group, once in-flight batches settled (a final commit). Default nothing. */
  readonly drain?: () => Promise<void>;
  /** Extra fields of the `started` log line. */
  readonly logFields?: Readonly<Record<string, unknown>>;
}

/** A consumer group member's {@link TypedConsumer} lifecycle, with what its batch handling needs of it. */
export interface GroupMember extends TypedConsumer {
  /** The kafkajs consumer (read committed: records of open or aborted transactions are never handed over). */
  readonly consumer: Consumer;
  /** Writes the member's dead letters; open while the member is. */
  readonly deadLetters: DeadLetterWriter;
  /** Hands records to the handler: retries, dead letters and outage holds. */
  readonly processRecords: RecordProcessor;
  /** The heartbeat interval the consumer was created with, in ms. */
  readonly heartbeatIntervalMs: number;
  /** True once `pause()` or `close()` was called: a batch in hand stops at its next chunk. */
  readonly halted: boolean;
  /** Waits, unless the member closes meanwhile: false then. */
  wait(ms: number): Promise<boolean>;
  /** The partition is no longer held: its records went through, or it was let go (closing, rebalance). */
  endStall(partition: number, outcome: 'recovered' | 'let go'): void;
}

/**
 * The consumer group member `createConsumer` and `createTransactionalConsumer`
 * are built on: its kafkajs consumer, dead-letter writer and record processor
 * (a record whose retries failed retryably holds its partition, a wait of
 * `retryMaxDelayMs` at a time, logged and counted in the stalled gauge), and
 * its lifecycle: `start()` and `close()` are idempotent, a pause survives a
 * rebalance (kafkajs resumes partitions assigned anew), and `close()` waits for
 * the batches in flight before the member's last work and its leaving the group.
 */
export function createGroupMember<T>(options: Omit<ConsumerBaseOptions<T>, 'commitIntervalMs' | 'commitEveryRecords'>, member: GroupMemberOptions<T>): GroupMember {
  const { kafka, groupId, fromBeginning = true, partitionsConcurrency = 1 } = options;
  const { logger, kind } = member;
  const topic = options.topic.name;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
  const retryMaxDelayMs = options.retryMaxDelayMs ?? 5000;
  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: heartbeatIntervalMs,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
  });
  const deadLetters = createDeadLetterWriter({ kafka, topic: options.deadLetterTopic ?? topics.eventsDlq.name, consumerGroup: groupId, logger });
  const metrics = kafkaMetrics();
  const closed = new AbortController();
  const stalledPartitions = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let paused = false;
  let stopping = false;
  let running = false;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  /** Holds a partition through one wait of an outage; false when the member is closing or no longer holds it. */
  async function holdThroughOutage(error: TributaryError, partition: number): Promise<boolean> {
    if (stopping) return false;
    if (!stalledPartitions.has(partition)) {
      stalledPartitions.add(partition);
      metrics.stalled.set({ topic, group: groupId }, stalledPartitions.size);
      logger.error({ err: error, topic, partition, groupId, retryEveryMs: retryMaxDelayMs }, 'a dependency is unavailable; holding the partition until it recovers');
    }
    return (await wait(retryMaxDelayMs)) && !stopping && (member.stillHeld?.(partition) ?? true);
  }

  const processRecords = createRecordProcessor({
    topic: options.topic,
    groupId,
    handler: member.handler,
    retry: { retries: options.retries ?? 3, baseDelayMs: options.retryBaseDelayMs ?? 100, maxDelayMs: retryMaxDelayMs },
    deadLetters,
    waitForRecovery: holdThroughOutage,
    closing: closed.signal,
    logger,
  });

  function pauseFetching(): void {
    if (running) consumer.pause([{ topic }]);
  }

  async function wait(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: closed.signal });
      return true;
    } catch {
      return false;
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const done = member.handleBatch(payload);
    inFlight.add(done);
    try {
      await done;
    } finally {
      inFlight.delete(done);
    }
  }

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    member.onGroupJoin?.(payload.memberAssignment);
    if (paused || stopping) pauseFetching();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const log = payload.restart ? logger.warn.bind(logger) : logger.error.bind(logger);
    log({ err: payload.error, groupId, restart: payload.restart }, payload.restart ? 'consumer crashed; restarting' : 'consumer crashed and stopped');
  });

  async function connectAndRun(): Promise<void> {
    try {
      await deadLetters.start();
      await member.open?.();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: partitionsConcurrency, eachBatch });
    } catch (reason) {
      await Promise.allSettled([consumer.disconnect(), release()]);
      throw new KafkaUnavailableError(`${kind} start (group ${groupId})`, reason);
    }
    running = true;
    if (paused) pauseFetching();
    member.onRunning?.();
    logger.info({ groupId, topic, ...member.logFields }, `${kind} started`);
  }

  async function release(): Promise<void> {
    await member.release?.();
    await deadLetters.close();
  }

  return {
    consumer,
    deadLetters,
    processRecords,
    heartbeatIntervalMs,
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
      if (running && !stopping) consumer.resume([{ topic }]);
    },
    get paused() {
      return paused;
    },
    get stalled() {
      return stalledPartitions.size > 0;
    },
    get halted() {
      return paused || stopping;
    },
    wait,
    endStall(partition, outcome) {
      if (!stalledPartitions.delete(partition)) return;
      metrics.stalled.set({ topic, group: groupId }, stalledPartitions.size);
      if (outcome === 'recovered') logger.info({ topic, partition, groupId }, 'dependency recovered; the partition moves on');
    },
    close() {
      closing ??= (async () => {
        stopping = true;
        closed.abort();
        if (!(await starting?.then(() => true, () => false))) return;
        pauseFetching();
        await Promise.allSettled([...inFlight]);
        await member.drain?.();
        running = false;
        await consumer.disconnect();
        await release();
        logger.info({ groupId, topic }, `${kind} closed`);
      })();
      return closing;
    },
  };
}
