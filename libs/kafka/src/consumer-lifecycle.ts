import { setTimeout as sleep } from 'node:timers/promises';
import type { TributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/observability';
import type { Consumer, EachBatchPayload, IMemberAssignment } from 'kafkajs';
import { KafkaClosedError, KafkaUnavailableError } from './errors.js';
import { kafkaMetrics } from './metrics.js';

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

/** Options of {@link createConsumerLifecycle}: the member's kafkajs consumer and what differs between members. */
export interface ConsumerLifecycleOptions {
  readonly consumer: Consumer;
  readonly topic: string;
  readonly groupId: string;
  /** Where a group without committed offsets starts. */
  readonly fromBeginning: boolean;
  /** Partitions handled at the same time. */
  readonly partitionsConcurrency: number;
  /** How long one wait of an outage holds a partition before its records are tried again, in ms. */
  readonly retryMaxDelayMs: number;
  /** Names the member in its logs and start errors, e.g. `consumer`. */
  readonly kind: string;
  readonly logger: Logger;
  /** Handles one fetched batch; the lifecycle counts it in flight until it settles. */
  readonly handleBatch: (payload: EachBatchPayload) => Promise<void>;
  /** Opens what the member needs beside its consumer (a dead-letter writer, an admin), before it joins. */
  readonly open: () => Promise<void>;
  /** Closes what `open` opened: after the consumer left the group, or after a failed start. */
  readonly release: () => Promise<void>;
  /** Runs once records can flow. Default nothing. */
  readonly onRunning?: () => void;
  /** Runs each time the member joins the group (partitions may have changed hands). Default nothing. */
  readonly onGroupJoin?: (assignment: IMemberAssignment) => void;
  /** The last work before the member leaves the group, once in-flight batches settled (a final commit). Default nothing. */
  readonly drain?: () => Promise<void>;
  /** Extra fields of the `started` log line. */
  readonly logFields?: Readonly<Record<string, unknown>>;
}

/** The {@link TypedConsumer} lifecycle of a member, with what its batch handling needs of it. */
export interface ConsumerLifecycle extends TypedConsumer {
  /** True once `pause()` or `close()` was called: a batch in hand stops at its next chunk. */
  readonly halted: boolean;
  /** True once `close()` was called. */
  readonly stopping: boolean;
  /** Aborted when the member closes: ends the waits of outages and tells handlers to give up. */
  readonly closing: AbortSignal;
  /** Waits, unless the member closes meanwhile: false then. */
  wait(ms: number): Promise<boolean>;
  /**
   * Holds a partition through one wait of an outage (logged and counted in the
   * stalled gauge the first time); false when the member is closing.
   */
  holdThroughOutage(error: TributaryError, partition: number): Promise<boolean>;
  /** The partition is no longer held: its records went through, or it was let go (closing, rebalance). */
  endStall(partition: number, outcome: 'recovered' | 'let go'): void;
}

/**
 * The start, pause, resume and close of a consumer group member, shared by
 * `createConsumer` and `createTransactionalConsumer`: `start()` and `close()`
 * are idempotent, a pause survives a rebalance (kafkajs resumes partitions
 * assigned anew), and `close()` waits for the batches in flight before the
 * member's last work and its leaving the group.
 */
export function createConsumerLifecycle(options: ConsumerLifecycleOptions): ConsumerLifecycle {
  const { consumer, topic, groupId, logger, kind } = options;
  const metrics = kafkaMetrics();
  const closed = new AbortController();
  const stalledPartitions = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let paused = false;
  let stopping = false;
  let running = false;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

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
    const done = options.handleBatch(payload);
    inFlight.add(done);
    try {
      await done;
    } finally {
      inFlight.delete(done);
    }
  }

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    options.onGroupJoin?.(payload.memberAssignment);
    if (paused || stopping) pauseFetching();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const log = payload.restart ? logger.warn.bind(logger) : logger.error.bind(logger);
    log({ err: payload.error, groupId, restart: payload.restart }, payload.restart ? 'consumer crashed; restarting' : 'consumer crashed and stopped');
  });

  async function connectAndRun(): Promise<void> {
    try {
      await options.open();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: options.partitionsConcurrency, eachBatch });
    } catch (reason) {
      await Promise.allSettled([consumer.disconnect(), options.release()]);
      throw new KafkaUnavailableError(`${kind} start (group ${groupId})`, reason);
    }
    running = true;
    if (paused) pauseFetching();
    options.onRunning?.();
    logger.info({ groupId, topic, ...options.logFields }, `${kind} started`);
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
    get stopping() {
      return stopping;
    },
    closing: closed.signal,
    wait,
    async holdThroughOutage(error, partition) {
      if (stopping) return false;
      if (!stalledPartitions.has(partition)) {
        stalledPartitions.add(partition);
        metrics.stalled.set({ topic, group: groupId }, stalledPartitions.size);
        logger.error({ err: error, topic, partition, groupId, retryEveryMs: options.retryMaxDelayMs }, 'a dependency is unavailable; holding the partition until it recovers');
      }
      return wait(options.retryMaxDelayMs);
    },
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
        await options.drain?.();
        running = false;
        await consumer.disconnect();
        await options.release();
        logger.info({ groupId, topic }, `${kind} closed`);
      })();
      return closing;
    },
  };
}
