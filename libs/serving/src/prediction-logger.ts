import type { Context } from '@opentelemetry/api';
import type { PredictionLog } from '@tributary/contracts';
import { BROKER_DEFAULT_MAX_MESSAGE_BYTES, REQUEST_FRAMING_BYTES, type OutgoingRecord, type TopicDefinition } from '@tributary/kafka';
import type { Logger } from '@tributary/observability';

/** One prediction log, already encoded (`encodePredictionLog`), with the trace of the request that made it. */
export interface EncodedPredictionLog {
  /** The record key: the model's name. */
  readonly key: string;
  readonly value: Uint8Array;
  readonly traceContext: Context;
}

/** What is used of a producer. */
export interface PredictionLogProducer {
  send(topic: TopicDefinition<Uint8Array>, records: readonly OutgoingRecord<Uint8Array>[]): Promise<unknown>;
}

/** What became of logs: sent, not sent this time (kept to retry), or dropped. */
export type PredictionLogOutcome = (outcome: 'sent' | 'send_failed' | 'dropped', count: number) => void;

/** Options of {@link createPredictionLogger}. */
export interface PredictionLoggerOptions {
  /**
   * The producers (`TypedProducer`s in service), each with one send in flight at a time: an idempotent kafkajs
   * producer must not have two (concurrent sends lose records, kafkajs#1005), so several producers are how sends
   * overlap — one batch is encoded and sent while another waits for the brokers' acknowledgement.
   */
  readonly producers: readonly PredictionLogProducer[];
  /** `predictions.logged`: its name, content type and type name. */
  readonly topic: TopicDefinition<PredictionLog>;
  /** Logs kept while Kafka cannot take them (besides the batches being sent, one per producer); beyond it the oldest are dropped and counted. */
  readonly maxBuffered: number;
  /** Longest a log waits before it is sent, in ms. Default 10. */
  readonly flushIntervalMs?: number;
  /** Logs per send at most. Default 64. */
  readonly maxBatch?: number;
  /**
   * Bytes per send at most, counting each log's key and value and {@link RECORD_ALLOWANCE_BYTES} for its headers and
   * framing; a log over it goes alone. Default: the brokers' default `message.max.bytes` less a request's framing (a
   * larger request is refused whole, and its retries too).
   */
  readonly maxBatchBytes?: number;
  /** Told of every outcome, for metrics. Default: nobody. */
  readonly onOutcome?: PredictionLogOutcome;
  readonly logger: Logger;
}

/** Sends encoded prediction logs to Kafka in batches. */
export interface PredictionLogger {
  /** Queues a log; never waits, never throws. */
  log(record: EncodedPredictionLog): void;
  /** Logs waiting to be sent. */
  readonly buffered: number;
  /** Logs dropped because the buffer was full. */
  readonly dropped: number;
  /** Sends what is buffered (one try), then stops. Idempotent. */
  close(): Promise<void>;
}

/**
 * What a Kafka record takes besides its key and value, at most: its framing (~40 bytes), the CloudEvents headers
 * (~200) and the W3C trace headers (`traceparent` 55 characters, `tracestate` at most 512 by the W3C spec).
 */
export const RECORD_ALLOWANCE_BYTES = 1_024;

/**
 * Prediction logging that never holds its caller up: logs wait in a bounded
 * buffer and leave in batches (by count and by bytes), one send at a time per producer. While Kafka is down a
 * failed batch goes back to the front of the buffer and is tried again on the
 * next tick; when the buffer is full the oldest logs are dropped and counted.
 * The serving pipeline runs it in a thread of its own (prediction-log-shipper.ts).
 */
export function createPredictionLogger(options: PredictionLoggerOptions): PredictionLogger {
  const { producers, topic, maxBuffered, flushIntervalMs = 10, maxBatch = 64, maxBatchBytes = BROKER_DEFAULT_MAX_MESSAGE_BYTES - REQUEST_FRAMING_BYTES, logger } = options;
  const onOutcome: PredictionLogOutcome = options.onOutcome ?? (() => undefined);
  let buffer: EncodedPredictionLog[] = [];
  // Values come encoded: the topic's own codec would build each message reflectively first.
  const encodedTopic: TopicDefinition<Uint8Array> = {
    ...topic,
    codec: { contentType: topic.codec.contentType, typeName: topic.codec.typeName, encode: (bytes) => bytes, decode: (bytes) => bytes },
  };
  let dropped = 0;
  // Producers with no send in flight, and the sends in flight.
  const idle = [...producers];
  const sending = new Set<Promise<void>>();
  let failing = false;
  let closed = false;

  const drop = (count: number) => {
    dropped += count;
    onOutcome('dropped', count);
  };

  /** How many of the oldest logs make the next send: at most `maxBatch`, within `maxBatchBytes`, at least one. */
  function nextBatchSize(): number {
    let bytes = 0;
    let size = 0;
    for (const log of buffer) {
      if (size === maxBatch) break;
      bytes += log.key.length + log.value.byteLength + RECORD_ALLOWANCE_BYTES;
      if (size > 0 && bytes > maxBatchBytes) break;
      size++;
    }
    return size;
  }

  async function sendBatch(producer: PredictionLogProducer): Promise<void> {
    const batch = buffer.slice(0, nextBatchSize());
    buffer = buffer.slice(batch.length);
    try {
      await producer.send(encodedTopic, batch);
      onOutcome('sent', batch.length);
      if (failing) logger.info({ buffered: buffer.length, dropped }, 'prediction logs flow to Kafka again');
      failing = false;
    } catch (error) {
      if (!failing) logger.warn({ err: error, buffered: buffer.length + batch.length }, 'prediction logs cannot reach Kafka; buffering');
      failing = true;
      // The batch goes back in front of what came meanwhile; what does not fit is its oldest part.
      const kept = Math.min(batch.length, Math.max(0, maxBuffered - buffer.length));
      buffer = [...batch.slice(batch.length - kept), ...buffer];
      onOutcome('send_failed', batch.length);
      if (kept < batch.length) drop(batch.length - kept);
    }
  }

  const flush = () => {
    while (buffer.length > 0) {
      const producer = idle.pop();
      if (!producer) return;
      const send: Promise<void> = sendBatch(producer).finally(() => {
        sending.delete(send);
        idle.push(producer);
      });
      sending.add(send);
    }
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
    log(record) {
      if (closed) return drop(1);
      if (buffer.length >= maxBuffered) {
        buffer.shift();
        drop(1);
      }
      buffer.push(record);
      if (buffer.length >= maxBatch) flush();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await Promise.all(sending);
      const [producer] = producers;
      while (producer && buffer.length > 0 && !failing) await sendBatch(producer);
    },
  };
}
