import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Context } from '@opentelemetry/api';
import { createLogger, type Logger } from '@tributary/observability';
import { CompressionTypes, Partitioners, type IHeaders, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { KafkaClosedError, KafkaProduceError, KafkaUnavailableError, isTransientKafkaError } from './errors.js';
import { CloudEventHeader, cloudEventsSpecVersion } from './headers.js';
import { kafkaMetrics } from './metrics.js';
import { startCreateSpans } from './record-trace.js';
import type { TopicDefinition } from './topic.js';

/** One record to write: its value is typed by the topic it goes to. */
export interface OutgoingRecord<T> {
  /** Partitioning key, e.g. the entity id or model name; records of one key stay in order. */
  readonly key?: string;
  readonly value: T;
  /** CloudEvents `ce_id`. Default a random UUID. */
  readonly id?: string;
  /** CloudEvents `ce_type`. Default the topic's `eventType`. */
  readonly type?: string;
  /** CloudEvents `ce_time`. Default the time of the send. */
  readonly time?: Date;
  /** `content-type`. Default the topic codec's, e.g. `application/json` for raw JSON bytes. */
  readonly contentType?: string;
  /** More headers; the CloudEvents and trace headers above take precedence. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The trace this record continues, for a record written apart from the work
   * of its own trace: one of a batch (`recordTraceContext` of the consumed
   * record it came from), or sent later from a buffer (the context active when
   * it was queued). It gets a `create <topic>` span in that trace, which its
   * `traceparent` names, linked from the send span; a context in the send's
   * own trace needs none. Default: the active context, whose send span the
   * record's `traceparent` names.
   */
  readonly traceContext?: Context | undefined;
}

/** Compression of record batches on the wire. */
export type Compression = 'none' | 'gzip';

/** Options of {@link createProducer}. */
export interface ProducerOptions {
  readonly kafka: Kafka;
  /** CloudEvents `ce_source` of every record, e.g. `/tributary/ingestion`. */
  readonly source: string;
  /** Default `none`: on loopback and fast networks gzip costs more CPU than it saves. */
  readonly compression?: Compression;
  /** How long the brokers may take to acknowledge a send, in ms. Default 30 000. */
  readonly ackTimeoutMs?: number;
  /** Default a logger named `kafka-producer`. */
  readonly logger?: Logger;
}

/** An idempotent producer that writes typed records with CloudEvents and trace headers. */
export interface TypedProducer {
  /** Connects; idempotent. `send` calls it, so calling it first only surfaces connection errors early. */
  start(): Promise<void>;
  /**
   * Writes the records in one request per broker, all or nothing, waiting for
   * every in-sync replica (acks = all). One producer span covers the send and
   * is the parent of the trace context every record carries, except records
   * with their own {@link OutgoingRecord.traceContext}.
   */
  send<T>(topic: TopicDefinition<T>, records: readonly OutgoingRecord<T>[]): Promise<RecordMetadata[]>;
  /** Waits for sends in flight, then disconnects; idempotent. */
  close(): Promise<void>;
}

const tracer = trace.getTracer('@tributary/kafka');
const specVersionBytes = Buffer.from(cloudEventsSpecVersion);

const compressionTypes: Record<Compression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
};

/** Creates a {@link TypedProducer}; nothing connects until `start()` or the first `send()`. */
export function createProducer(options: ProducerOptions): TypedProducer {
  const { ackTimeoutMs = 30_000 } = options;
  const sourceBytes = Buffer.from(options.source);
  const compression = compressionTypes[options.compression ?? 'none'];
  const logger = options.logger ?? createLogger({ name: 'kafka-producer' });
  const producer: Producer = options.kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  const inFlight = new Set<Promise<unknown>>();
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  function start(): Promise<void> {
    if (closing) return Promise.reject(new KafkaClosedError('producer'));
    starting ??= producer.connect().catch((reason: unknown) => {
      starting = undefined;
      throw new KafkaUnavailableError('producer connect', reason);
    });
    return starting;
  }

  async function sendTraced<T>(topic: TopicDefinition<T>, records: readonly OutgoingRecord<T>[]): Promise<RecordMetadata[]> {
    await start();
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic.name,
      'messaging.batch.message_count': records.length,
    };
    return tracer.startActiveSpan(`send ${topic.name}`, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
      const created = startCreateSpans(topic, records);
      if (created.links.length > 0) span.addLinks([...created.links]);
      try {
        const messages = toMessages(topic, created.records, sourceBytes);
        const metadata = await producer.send({ topic: topic.name, messages, acks: -1, timeout: ackTimeoutMs, compression });
        kafkaMetrics().produced.inc({ topic: topic.name }, records.length);
        created.end();
        return metadata;
      } catch (reason) {
        const error = isTransientKafkaError(reason)
          ? new KafkaUnavailableError(`send to ${topic.name}`, reason)
          : new KafkaProduceError(topic.name, records.length, reason);
        created.end(error);
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        logger.error({ err: error, topic: topic.name, records: records.length }, 'send failed');
        throw error;
      } finally {
        span.end();
      }
    });
  }

  return {
    start,
    async send(topic, records) {
      if (closing) throw new KafkaClosedError('producer');
      if (records.length === 0) return [];
      const sending = sendTraced(topic, records);
      inFlight.add(sending);
      try {
        return await sending;
      } finally {
        inFlight.delete(sending);
      }
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...inFlight]);
        if (starting) await producer.disconnect();
      })();
      return closing;
    },
  };
}

/**
 * Kafka messages of the records, each with CloudEvents headers and the trace
 * context of its own `traceContext`, or else the active one.
 */
export function toMessages<T>(topic: TopicDefinition<T>, records: readonly OutgoingRecord<T>[], source: Buffer): Message[] {
  // Header values shared by the records of one send are encoded once, not once per record.
  const shared: IHeaders = { [CloudEventHeader.specVersion]: specVersionBytes, [CloudEventHeader.source]: source };
  propagation.inject(context.active(), shared);
  const type = Buffer.from(topic.eventType);
  const time = Buffer.from(new Date().toISOString());
  const contentType = Buffer.from(topic.codec.contentType);
  return records.map((record) => {
    const bytes = topic.codec.encode(record.value);
    const headers: IHeaders = { ...record.headers, ...shared };
    if (record.traceContext !== undefined) {
      // Its own trace replaces the shared one (a context without a span leaves none).
      for (const field of propagation.fields()) delete headers[field];
      propagation.inject(record.traceContext, headers);
    }
    headers[CloudEventHeader.id] = record.id ?? randomUUID();
    headers[CloudEventHeader.type] = record.type ?? type;
    headers[CloudEventHeader.time] = record.time?.toISOString() ?? time;
    headers[CloudEventHeader.contentType] = record.contentType ?? contentType;
    return { key: record.key ?? null, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), headers };
  });
}
