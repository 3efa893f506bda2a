import { context, type Context } from '@opentelemetry/api';
import type { PredictionLog } from '@tributary/contracts';
import type { OutgoingRecord, TopicDefinition } from '@tributary/kafka';
import type { Logger } from '@tributary/observability';
import { encodePredictionLog, type PredictionLogEntry } from './prediction-log-encoder.js';
import { servingMetrics } from './serving-metrics.js';

/** Options of {@link createPredictionLogger}. */
export interface PredictionLoggerOptions {
  /** What is used of the producer (`TypedProducer` in service). */
  readonly producer: { send(topic: TopicDefinition<Uint8Array>, records: readonly OutgoingRecord<Uint8Array>[]): Promise<unknown> };
  /** `predictions.logged`: its name, content type and type name; values are encoded by {@link encodePredictionLog}. */
  readonly topic: TopicDefinition<PredictionLog>;
  /** Logs kept while Kafka cannot take them (besides the one batch being sent); beyond it the oldest are dropped and counted. */
  readonly maxBuffered: number;
  /**
   * Longest a log waits before it is sent, in ms. Default 10: a send encodes its records on the event loop,
   * so small, frequent sends hold a request up far less than large, rare ones.
   */
  readonly flushIntervalMs?: number;
  /** Logs per send at most. Default 64. */
  readonly maxBatch?: number;
  readonly logger: Logger;
}

/** Sends prediction logs to Kafka off the response path. */
export interface PredictionLogger {
  /** Queues a log; never waits, never throws. Its record continues the trace active now (the request's). */
  log(entry: PredictionLogEntry): void;
  /** Logs waiting to be sent. */
  readonly buffered: number;
  /** Logs dropped because the buffer was full. */
  readonly dropped: number;
  /** Sends what is buffered (one try), then stops. Idempotent. */
  close(): Promise<void>;
}

/**
 * Prediction logging that never holds a prediction up: logs wait in a bounded
 * buffer and leave in batches, one send at a time. While Kafka is down a
 * failed batch goes back to the front of the buffer and is tried again on the
 * next tick; when the buffer is full the oldest logs are dropped, counted in
 * `tributary_serving_prediction_logs_total{outcome="dropped"}`.
 */
export function createPredictionLogger(options: PredictionLoggerOptions): PredictionLogger {
  const { producer, topic, maxBuffered, flushIntervalMs = 10, maxBatch = 64, logger } = options;
  const metrics = servingMetrics();
  // Each log keeps the trace of the request that made it: it is sent later, from a timer, in a batch of other requests'.
  let buffer: { readonly entry: PredictionLogEntry; readonly traceContext: Context }[] = [];
  // Values leave already encoded (when their batch is sent): the topic's own codec would build each message reflectively first.
  const encodedTopic: TopicDefinition<Uint8Array> = {
    ...topic,
    codec: { contentType: topic.codec.contentType, typeName: topic.codec.typeName, encode: (bytes) => bytes, decode: (bytes) => bytes },
  };
  let dropped = 0;
  let sending: Promise<void> | undefined;
  let failing = false;
  let closed = false;

  const drop = (count: number) => {
    dropped += count;
    metrics.predictionLogs.inc({ outcome: 'dropped' }, count);
  };

  async function sendBatch(): Promise<void> {
    const batch = buffer.slice(0, maxBatch);
    buffer = buffer.slice(batch.length);
    try {
      await producer.send(
        encodedTopic,
        batch.map(({ entry, traceContext }) => ({ key: entry.modelName, value: encodePredictionLog(entry), traceContext })),
      );
      metrics.predictionLogs.inc({ outcome: 'sent' }, batch.length);
      if (failing) logger.info({ buffered: buffer.length, dropped }, 'prediction logs flow to Kafka again');
      failing = false;
    } catch (error) {
      metrics.predictionLogs.inc({ outcome: 'send_failed' }, batch.length);
      if (!failing) logger.warn({ err: error, buffered: buffer.length + batch.length }, 'prediction logs cannot reach Kafka; buffering');
      failing = true;
      // The batch goes back in front of what came meanwhile; what does not fit is its oldest part.
      const kept = Math.min(batch.length, Math.max(0, maxBuffered - buffer.length));
      if (kept < batch.length) drop(batch.length - kept);
      buffer = [...batch.slice(batch.length - kept), ...buffer];
    } finally {
      metrics.predictionLogBuffer.set(buffer.length);
    }
  }

  const flush = () => {
    if (sending || buffer.length === 0) return;
    sending = sendBatch().finally(() => {
      sending = undefined;
    });
  };
  const timer = setInterval(flush, flushIntervalMs);
  timer.unref();

  return {
    get buffered() {
      return buffer.length;
    },
    get dropped() {
      return dropped;
    },
    log(entry) {
      if (closed) return drop(1);
      if (buffer.length >= maxBuffered) {
        buffer.shift();
        drop(1);
      }
      buffer.push({ entry, traceContext: context.active() });
      metrics.predictionLogBuffer.set(buffer.length);
      if (buffer.length >= maxBatch) flush();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await sending;
      while (buffer.length > 0 && !failing) await sendBatch();
    },
  };
}
