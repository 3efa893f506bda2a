import { ROOT_CONTEXT, SpanKind, SpanStatusCode, propagation, trace, type Link, type Span } from '@opentelemetry/api';
import { TributaryError, isRetryable } from '@tributary/errors';
import type { Logger } from '@tributary/observability';
import { retry, type RetryOptions } from '@tributary/resilience';
import type { KafkaMessage } from 'kafkajs';
import type { DeadLetter, DeadLetterWriter } from './dead-letter.js';
import { KafkaDecodeError } from './errors.js';
import { headersToStrings, kafkaHeaderGetter } from './headers.js';
import { kafkaMetrics } from './metrics.js';
import type { TopicDefinition } from './topic.js';

/** A record as a handler sees it: the value decoded with the topic's codec, headers as strings. */
export interface ConsumedRecord<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The key as UTF-8 text, or null for records without a key. */
  readonly key: string | null;
  readonly value: T;
  readonly headers: Readonly<Record<string, string>>;
  /** One header as a string (its last value when sent more than once), without decoding the others. */
  header(name: string): string | undefined;
  /** The record's timestamp (producer create time unless the topic says log-append time). */
  readonly timestamp: Date;
}

/** A record a handler refuses, and why: see {@link HandlerContext.deadLetter}. */
export interface RecordDeadLetter<T> {
  readonly record: ConsumedRecord<T>;
  readonly error: TributaryError;
  /** More headers, e.g. a machine-readable `dlq_reason`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a handler gets besides its records. */
export interface HandlerContext {
  /**
   * Aborted when the consumer closes. A long handler may give up then: if it
   * throws after the abort, its records are left to the group's next owner.
   */
  readonly signal: AbortSignal;
  /**
   * Moves records the handler refuses (invalid, too late) to the consumer's
   * dead-letter topic with their original key, value and headers, as the
   * consumer does with records that keep failing: one stable id per source
   * position, never written twice by this process before its offset is
   * committed (a retried or redelivered batch does not repeat them), in
   * requests under the topic's size limit. `attempts` is written as 1.
   */
  deadLetter<T>(letters: readonly RecordDeadLetter<T>[]): Promise<void>;
}

/** Handles the records of one call; throwing fails them all. */
export type BatchHandler<T> = (records: readonly ConsumedRecord<T>[], context: HandlerContext) => Promise<void>;

/** How handler failures are retried before a record is dead-lettered. */
export interface HandlerRetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** What {@link createRecordProcessor} needs. */
export interface RecordProcessorOptions<T> {
  readonly topic: TopicDefinition<T>;
  readonly groupId: string;
  readonly handler: BatchHandler<T>;
  readonly retry: HandlerRetryPolicy;
  readonly deadLetters: DeadLetterWriter;
  /**
   * Called when a handler call still fails with a retryable error after its
   * retries: something the handler needs is down. Resolves true to try the
   * same records again, false to give up because the consumer is stopping.
   */
  readonly waitForRecovery: (error: TributaryError, partition: number) => Promise<boolean>;
  /** Aborted when the consumer closes: handed to handlers, and a failure after it abandons the records. */
  readonly closing: AbortSignal;
  readonly logger: Logger;
}

/**
 * Takes consecutive messages of one partition to done: each is handled or, once
 * its retries are spent, dead-lettered. Returns true only when all are done, so
 * the caller may then resolve and commit the last offset; false when it gave
 * up waiting for an outage to end (the consumer is stopping), with none of the
 * records done from then on.
 *
 * A failure that is the record's fault (not retryable, or a plain `Error`) ends
 * in the dead-letter topic. A retryable one — Redis, ClickHouse or Kafka
 * unavailable — is not the record's fault: dead-lettering good records would
 * lose them, so the partition waits instead (see `waitForRecovery`).
 */
export type RecordProcessor = (partition: number, messages: readonly KafkaMessage[]) => Promise<boolean>;

/** How a handler call ended: `done` unless abandoned; `failure` when the records are to blame. */
interface CallOutcome {
  readonly done: boolean;
  readonly failure?: { readonly error: TributaryError; readonly attempts: number };
}

interface Item<T> {
  readonly message: KafkaMessage;
  readonly record: ConsumedRecord<T>;
}

const tracer = trace.getTracer('@tributary/kafka');

/**
 * A consumed record; a class rather than an object literal because one is made
 * per record. Its headers are decoded on first read: many handlers never look.
 */
class DecodedRecord<T> implements ConsumedRecord<T> {
  readonly offset: string;
  readonly key: string | null;
  readonly timestamp: Date;
  readonly #message: KafkaMessage;
  #headers: Record<string, string> | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    message: KafkaMessage,
    readonly value: T,
  ) {
    this.#message = message;
    this.offset = message.offset;
    this.key = message.key?.toString() ?? null;
    this.timestamp = new Date(Number(message.timestamp));
  }

  /** The Kafka message a record was decoded from, for its dead letter; undefined for records made elsewhere. */
  static messageOf(record: ConsumedRecord<unknown>): KafkaMessage | undefined {
    return record instanceof DecodedRecord ? record.#message : undefined;
  }

  get headers(): Readonly<Record<string, string>> {
    return (this.#headers ??= headersToStrings(this.#message.headers));
  }

  header(name: string): string | undefined {
    if (this.#headers) return this.#headers[name];
    const raw = this.#message.headers?.[name];
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    return value?.toString();
  }
}

/**
 * Only an error that states it is not retryable skips the retries: a handler's
 * plain `Error` says nothing either way, and giving it a few tries costs little.
 */
function worthRetrying(reason: unknown): boolean {
  return !(reason instanceof TributaryError && !reason.retryable);
}

/** A link to the producer span of each record that carries one. */
function producerLinks(items: readonly Item<unknown>[]): Link[] {
  const links: Link[] = [];
  for (const item of items) {
    const context = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, item.message.headers, kafkaHeaderGetter));
    if (context) links.push({ context });
  }
  return links;
}

/** Creates the {@link RecordProcessor} of one consumer. */
export function createRecordProcessor<T>(options: RecordProcessorOptions<T>): RecordProcessor {
  const { topic, groupId, handler, deadLetters, waitForRecovery, closing, logger } = options;
  const context: HandlerContext = {
    signal: closing,
    deadLetter: (letters) =>
      deadLetters.write(
        letters.map(({ record, error, headers }) => {
          const message = DecodedRecord.messageOf(record);
          if (!message) throw new TypeError('deadLetter() takes the records the handler was given');
          return { ...letterOf(record.partition, message, error, 1), ...(headers ? { extraHeaders: headers } : {}) };
        }),
      ),
  };

  function letterOf(partition: number, message: KafkaMessage, error: TributaryError, attempts: number): DeadLetter {
    const { key, value, headers, offset } = message;
    return { key, value, headers, source: { topic: topic.name, partition, offset }, error, attempts };
  }
  const metrics = kafkaMetrics();
  const handlerDuration = metrics.handlerDuration.labels(topic.name, groupId);
  const handlerFailures = metrics.handlerFailures.labels(topic.name, groupId);
  const baseAttributes = {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': topic.name,
    'messaging.consumer.group.name': groupId,
  };

  /** One handler call, timed and counted. */
  async function callOnce(records: readonly ConsumedRecord<T>[]): Promise<void> {
    const startedAt = performance.now();
    try {
      await handler(records, context);
    } catch (reason) {
      handlerFailures.inc();
      throw reason;
    } finally {
      handlerDuration.observe((performance.now() - startedAt) / 1000);
    }
  }

  const retryOptions: RetryOptions = {
    ...options.retry,
    signal: closing,
    shouldRetry: worthRetrying,
    onRetry: (reason, attempt, delayMs) => logger.warn({ err: reason, topic: topic.name, attempt, delayMs }, 'handler failed, retrying'),
  };

  /**
   * Calls the handler with retries, and again after each outage ends; returns
   * the error and attempts of a failure that is the records' fault, if any.
   */
  async function callHandler(partition: number, items: readonly Item<T>[], span: Span): Promise<CallOutcome> {
    const records = items.map((item) => item.record);
    let attempts = 0;
    for (;;) {
      if (closing.aborted) return { done: false };
      try {
        await retry(() => {
          attempts++;
          return callOnce(records);
        }, retryOptions);
        return { done: true };
      } catch (reason) {
        const error = TributaryError.from(reason);
        span.recordException(error);
        if (closing.aborted) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: `abandoned as the consumer closes: ${error.message}` });
          return { done: false };
        }
        if (!isRetryable(error)) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          return { done: true, failure: { error, attempts } };
        }
        if (!(await waitForRecovery(error, partition))) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: `abandoned while waiting for recovery: ${error.message}` });
          return { done: false };
        }
      }
    }
  }

  /** One record in a span continuing its producer's trace; dead-lettered if it keeps failing. */
  function processOne(partition: number, item: Item<T>): Promise<boolean> {
    const parent = propagation.extract(ROOT_CONTEXT, item.message.headers, kafkaHeaderGetter);
    return tracer.startActiveSpan(`process ${topic.name}`, { kind: SpanKind.CONSUMER, attributes: baseAttributes }, parent, async (span) => {
      // Built only when someone records spans: this runs once per record.
      if (span.isRecording()) {
        span.setAttributes({ 'messaging.destination.partition.id': String(partition), 'messaging.kafka.offset': Number(item.message.offset) });
      }
      try {
        const { done, failure } = await callHandler(partition, [item], span);
        if (failure) await deadLetters.write([letterOf(partition, item.message, failure.error, failure.attempts)]);
        return done;
      } finally {
        span.end();
      }
    });
  }

  /** Several records in one handler call, its span linked to each producer's; on failure each record is retried alone. */
  async function processMany(partition: number, items: readonly Item<T>[]): Promise<boolean> {
    const attributes = { ...baseAttributes, 'messaging.destination.partition.id': String(partition), 'messaging.batch.message_count': items.length };
    const { done, failure } = await tracer.startActiveSpan(`process ${topic.name}`, { kind: SpanKind.CONSUMER, attributes }, async (span) => {
      // Parsing every record's trace context costs a few µs a record: only for a span that is kept.
      if (span.isRecording()) span.addLinks(producerLinks(items));
      try {
        return await callHandler(partition, items, span);
      } finally {
        span.end();
      }
    });
    if (!failure) return done;
    logger.warn({ err: failure.error, topic: topic.name, partition, records: items.length }, 'batch failed, handling its records one by one');
    for (const item of items) {
      if (!(await processOne(partition, item))) return false;
    }
    return true;
  }

  function decode(partition: number, message: KafkaMessage): ConsumedRecord<T> {
    let value: T;
    try {
      value = topic.codec.decode(message.value ?? new Uint8Array());
    } catch (reason) {
      throw new KafkaDecodeError(topic.name, partition, message.offset, topic.codec.typeName, reason);
    }
    return new DecodedRecord(topic.name, partition, message, value);
  }

  return async (partition, messages) => {
    const items: Item<T>[] = [];
    for (const message of messages) {
      try {
        items.push({ message, record: decode(partition, message) });
      } catch (reason) {
        await deadLetters.write([letterOf(partition, message, TributaryError.from(reason), 0)]);
      }
    }
    const [first] = items;
    if (items.length > 1) return processMany(partition, items);
    return first ? processOne(partition, first) : true;
  };
}
