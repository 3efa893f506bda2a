import { context, propagation } from '@opentelemetry/api';
import { Worker } from 'node:worker_threads';
import type { KafkaConnectionOptions } from '@tributary/kafka';
import { tracingSettings, type Logger } from '@tributary/observability';
import { PredictionLogBatch, type PredictionLogEntry } from './prediction-log-encoder.js';
import type { FromPredictionLogThread, PredictionLogThreadSettings, ToPredictionLogThread } from './prediction-log-protocol.js';
import { servingMetrics } from './serving-metrics.js';
import { workerEntry } from './worker-entry.js';

/** Options of {@link createPredictionLogShipper}. */
export interface PredictionLogShipperOptions {
  /** The thread's own Kafka client is made from these. */
  readonly connection: KafkaConnectionOptions;
  /** `predictions.logged`'s name. */
  readonly topic: string;
  /** Logs kept while Kafka cannot take them; beyond it the oldest are dropped and counted. */
  readonly maxBuffered: number;
  /** Longest a log waits on this thread before it is handed over, in ms. Default 20. */
  readonly handOverMs?: number;
  readonly logger: Logger;
}

/** Logs predictions to `predictions.logged` from a thread of its own. */
export interface PredictionLogShipper {
  /** Encodes the log and queues it; never waits, never throws. Its record continues the trace active now (the request's). */
  log(entry: PredictionLogEntry): void;
  /** Logs queued here or handed to the thread and not yet sent or dropped there. */
  readonly buffered: number;
  /**
   * Whether Kafka takes the logs more slowly than they come: at least half of `maxBuffered` wait while sends still go
   * through (one did in the last {@link FLOWING_MS}). The pipeline then refuses new requests, rather than answer ones
   * whose logs would be dropped; with Kafka down (nothing goes through) it is false, and logs are dropped as counted.
   */
  readonly behind: boolean;
  /** Logs dropped so far, as last reported. */
  readonly dropped: number;
  /**
   * Hands over what is queued, lets the thread send what it holds (one try) for at most `giveUpAfterMs`, then stops
   * it: with Kafka down a send may retry for long, and what is left then is given up rather than holding shutdown.
   * Idempotent.
   */
  close(giveUpAfterMs: number): Promise<void>;
}

/** Logs handed over in one message at most. */
const MAX_HAND_OVER = 256;
/**
 * How the thread batches: its sends hold up no request, so it can wait longer and send more at once than the event
 * loop could. A send's size and how many are in flight bound how fast logs leave. At 256 a send, one in flight,
 * sustained PredictBatch traffic (18 000 rows/s on two cores) outran the thread and 10 % of the logs were dropped;
 * 512 (or what fits in a request, see `maxBatchBytes`) kept up on a quiet machine, but with the cores busy the
 * brokers' acknowledgement comes late and the thread sat idle half the time waiting for it, while admission shed
 * calls for logs behind. Two producers, so one batch goes out while the other's acknowledgement is awaited: of 1 500
 * PredictBatch calls at 4 in flight, one producer got 528–607 answered and two 1 186–1 500 with another build
 * keeping the machine busy (load 7); on a quieter machine (load 3) alike, 1 341–1 393 against 1 337–1 483.
 */
const THREAD_FLUSH_MS = 100;
const THREAD_MAX_BATCH = 512;
const THREAD_PRODUCERS = 2;
/** How recently a send must have gone through for Kafka to count as taking logs (see `behind`). */
const FLOWING_MS = 1_000;

/**
 * Prediction logging off the event loop that answers requests: a log is
 * encoded here (a few µs) into the batch's one buffer, and handed over every
 * 20 ms (that buffer transferred, not copied) to a worker thread whose own producer
 * sends them (prediction-log-thread.ts) with the buffering, retries and
 * drops of `createPredictionLogger`. The thread reports what it sent, failed
 * and dropped into this process's metrics. A thread that dies is replaced;
 * what it held is counted as dropped.
 */
export function createPredictionLogShipper(options: PredictionLogShipperOptions): PredictionLogShipper {
  const { logger } = options;
  const handOverMs = options.handOverMs ?? 20;
  const metrics = servingMetrics();
  const tracing = tracingSettings();
  const settings: PredictionLogThreadSettings = {
    connection: options.connection,
    topic: options.topic,
    maxBuffered: options.maxBuffered,
    flushIntervalMs: THREAD_FLUSH_MS,
    maxBatch: THREAD_MAX_BATCH,
    producers: THREAD_PRODUCERS,
    logLevel: logger.level,
    ...(tracing ? { tracing } : {}),
  };
  let keys: string[] = [];
  const encoded = new PredictionLogBatch();
  let carriers: Record<string, string>[] = [];
  let timer: NodeJS.Timeout | undefined;
  // Logs handed to the thread, and those of them it has sent or dropped: the difference is what it holds.
  let handedOver = 0;
  let settled = 0;
  let lastSentAtMs = Number.NEGATIVE_INFINITY;
  let dropped = 0;
  let closing: Promise<void> | undefined;
  let worker = spawn();

  function count(outcome: 'sent' | 'send_failed' | 'dropped', n: number): void {
    if (outcome === 'dropped') dropped += n;
    metrics.predictionLogs.inc({ outcome }, n);
  }

  const buffered = () => encoded.count + handedOver - settled;

  function spawn(): Worker {
    const entry = workerEntry('prediction-log-thread');
    const thread = new Worker(entry.filename, { ...entry.options, workerData: settings });
    thread.on('message', (message: FromPredictionLogThread) => {
      if (message.type !== 'outcome') return;
      if (message.outcome !== 'send_failed') settled += message.count;
      if (message.outcome === 'sent') lastSentAtMs = Date.now();
      count(message.outcome, message.count);
      metrics.predictionLogBuffer.set(buffered());
    });
    thread.on('error', (error) => logger.error({ err: error }, 'prediction log thread failed'));
    thread.on('exit', (exitCode) => {
      if (closing) return;
      const lost = handedOver - settled;
      logger.error({ exitCode, lost }, 'prediction log thread exited; starting a replacement');
      count('dropped', lost);
      settled = handedOver;
      worker = spawn();
    });
    return thread;
  }

  function handOver(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (encoded.count === 0) return;
    const { bytes, ends } = encoded.take();
    const message: ToPredictionLogThread = { type: 'logs', keys, bytes, ends, carriers };
    handedOver += ends.length; // read before the transfer detaches `ends`
    worker.postMessage(message, [bytes.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
    keys = [];
    carriers = [];
  }

  return {
    get buffered() {
      return buffered();
    },
    get behind() {
      return buffered() >= options.maxBuffered / 2 && Date.now() - lastSentAtMs < FLOWING_MS;
    },
    get dropped() {
      return dropped;
    },
    log(entry) {
      if (closing) return count('dropped', 1);
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      keys.push(entry.modelName);
      encoded.append(entry);
      carriers.push(carrier);
      if (encoded.count >= MAX_HAND_OVER) handOver();
      else timer ??= setTimeout(handOver, handOverMs);
    },
    close(giveUpAfterMs) {
      closing ??= (async () => {
        handOver();
        const thread = worker;
        const closed = new Promise<void>((resolve) => {
          thread.on('message', (message: FromPredictionLogThread) => message.type === 'closed' && resolve());
          thread.once('exit', () => resolve());
          setTimeout(resolve, giveUpAfterMs).unref();
        });
        thread.postMessage({ type: 'close' } satisfies ToPredictionLogThread);
        await closed;
        await thread.terminate();
        metrics.predictionLogBuffer.set(0);
      })();
      return closing;
    },
  };
}
