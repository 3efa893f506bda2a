import { createHash } from 'node:crypto';
import { Code, type TributaryError } from '@tributary/errors';
import { createLogger, type Logger } from '@tributary/observability';
import { Partitioners, type ConfigResourceTypes, type IHeaders, type Kafka, type Message, type Producer } from 'kafkajs';
import { KafkaDeadLetterError } from './errors.js';
import { CloudEventHeader, DeadLetterHeader } from './headers.js';
import { kafkaMetrics } from './metrics.js';
import { BROKER_DEFAULT_MAX_MESSAGE_BYTES, REQUEST_FRAMING_BYTES } from './request-size.js';

/** Where a dead letter's record was on its topic: its identity. */
export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** A record to move to the dead-letter topic, and why. */
export interface DeadLetter {
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  /** The record's own headers, kept as they were (`ce_id` moves to `dlq_source_ce_id`). */
  readonly headers?: IHeaders | undefined;
  /** Its position on the topic it was read from; absent for records that never were on one (a gRPC request). */
  readonly source?: DeadLetterSource;
  readonly error: TributaryError;
  /** Handler calls made; 0 when the record was not even decoded. */
  readonly attempts: number;
  /** More headers, e.g. a machine-readable `dlq_reason`; the `dlq_*` headers above take precedence. */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

/** Options of {@link createDeadLetterWriter}. */
export interface DeadLetterWriterOptions {
  readonly kafka: Kafka;
  /** The dead-letter topic, e.g. `events.dlq`. */
  readonly topic: string;
  /** Written in `dlq_consumer_group` and part of each dead letter's identity. Default none. */
  readonly consumerGroup?: string;
  /**
   * Most bytes of one produce request. Default: the topic's `max.message.bytes`
   * as the broker reports it at `start()` (1 048 588 if it cannot be read),
   * less a margin for the request's own framing.
   */
  readonly maxRequestBytes?: number;
  /** Default a logger named `kafka-dead-letters`. */
  readonly logger?: Logger;
}

/**
 * Writes dead letters with an idempotent producer of its own. Each dead letter
 * of a record read from a topic has a stable id (`dlq_id` and `ce_id`: see
 * {@link deadLetterId}); a source position written once is not written again
 * by this writer until `forgetBefore` says its offset is committed, so a batch
 * handled twice (a retry, a redelivery) does not repeat its dead letters.
 */
export interface DeadLetterWriter {
  /** Connects and reads the topic's size limit. Idempotent. */
  start(): Promise<void>;
  /**
   * Resolves once the brokers have every letter (in requests under the size
   * limit); throws {@link KafkaDeadLetterError} otherwise, and the letters of
   * requests that did go through are not written again by the retry.
   */
  write(letters: readonly DeadLetter[]): Promise<void>;
  /** Offsets of the partition before `nextOffset` are committed: their dead letters need no memory any more. */
  forgetBefore(topic: string, partition: number, nextOffset: string): void;
  close(): Promise<void>;
}

/** Longest `dlq_error` kept; error messages can embed whole payloads. */
const maxErrorLength = 2000;
/** kafkajs's `ConfigResourceTypes.TOPIC`; the enum is not importable by name from ES modules. */
const topicResource = 2 as ConfigResourceTypes;
/** A bound on one record's framing in a record batch: length, attributes, deltas and length varints. */
const recordFramingBytes = 40;
/** A bound on one header's framing: its two length varints. */
const headerFramingBytes = 10;

/**
 * The identity of the dead letter of a record: `<group>/<topic>/<partition>/<offset>`
 * (without the group when there is none). Whoever writes it, however often, the
 * dead letter of one record in one group has this id, so a reader that keeps
 * the ids it saw (or the `dlq_source_*` position) drops the copies a crash
 * between the dead-letter write and the offset commit can leave.
 */
export function deadLetterId(source: DeadLetterSource, consumerGroup?: string): string {
  const position = `${source.topic}/${source.partition}/${source.offset}`;
  return consumerGroup === undefined ? position : `${consumerGroup}/${position}`;
}

/** Bytes a record takes in a record batch, at most. */
function recordBytes(message: Message): number {
  let bytes = recordFramingBytes + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) bytes += headerFramingBytes + Buffer.byteLength(name) + byteLength(one);
  }
  return bytes;
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
}

/**
 * A dead letter too large for the topic loses its value (and then its original
 * headers) rather than blocking its partition forever: `dlq_value_omitted`
 * says what was dropped, how large it was and its SHA-256, so it can be found
 * in the source topic by its `dlq_source_*` position.
 */
function fitted(message: Message, budgetBytes: number, topic: string): Message {
  if (recordBytes(message) <= budgetBytes) return message;
  const value = message.value === null || message.value === undefined ? Buffer.alloc(0) : Buffer.from(message.value);
  const digest = createHash('sha256').update(value).digest('hex');
  const reason = `value of ${value.byteLength} bytes (sha256 ${digest}) omitted: the record exceeds the ${budgetBytes}-byte limit of ${topic}`;
  const withoutValue: Message = { ...message, value: null, headers: { ...message.headers, [DeadLetterHeader.valueOmitted]: reason } };
  if (recordBytes(withoutValue) <= budgetBytes) return withoutValue;
  const own = Object.fromEntries(Object.entries(withoutValue.headers ?? {}).filter(([name]) => name.startsWith('dlq_') || name === CloudEventHeader.id));
  return { ...withoutValue, headers: { ...own, [DeadLetterHeader.valueOmitted]: `${reason}; its original headers omitted too` } };
}

/** Consecutive runs of the messages, each under `budgetBytes` in total. */
function* chunks(messages: readonly { message: Message; letter: DeadLetter }[], budgetBytes: number) {
  let chunk: typeof messages[number][] = [];
  let bytes = 0;
  for (const item of messages) {
    const size = recordBytes(item.message);
    if (chunk.length > 0 && bytes + size > budgetBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** Creates a {@link DeadLetterWriter} for one dead-letter topic. */
export function createDeadLetterWriter(options: DeadLetterWriterOptions): DeadLetterWriter {
  const { kafka, topic, consumerGroup } = options;
  const logger = options.logger ?? createLogger({ name: 'kafka-dead-letters' });
  const producer: Producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  /** Per source topic and partition, the offsets dead-lettered and not yet committed. */
  const written = new Map<string, Set<bigint>>();
  // The broker default until start() reads the topic's own limit.
  let budgetBytes = (options.maxRequestBytes ?? BROKER_DEFAULT_MAX_MESSAGE_BYTES) - REQUEST_FRAMING_BYTES;
  let starting: Promise<void> | undefined;

  async function topicLimitBytes(): Promise<number | undefined> {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: topicResource, name: topic, configNames: ['max.message.bytes'] }],
      });
      const value = resources[0]?.configEntries.find((entry) => entry.configName === 'max.message.bytes')?.configValue;
      return value === undefined ? undefined : Number(value);
    } catch (reason) {
      logger.warn({ err: reason, topic }, 'cannot read the dead-letter topic size limit; assuming the broker default');
      return undefined;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  function partitionKey(source: DeadLetterSource): string {
    return `${source.topic}/${source.partition}`;
  }

  function alreadyWritten(source: DeadLetterSource | undefined): boolean {
    return source !== undefined && written.get(partitionKey(source))?.has(BigInt(source.offset)) === true;
  }

  function remember(source: DeadLetterSource | undefined): void {
    if (!source) return;
    const key = partitionKey(source);
    let offsets = written.get(key);
    if (!offsets) written.set(key, (offsets = new Set()));
    offsets.add(BigInt(source.offset));
  }

  function toMessage(letter: DeadLetter, failedAt: string): Message {
    const { source, error } = letter;
    const originalId = letter.headers?.[CloudEventHeader.id];
    const headers: IHeaders = {
      ...letter.headers,
      ...letter.extraHeaders,
      ...(originalId === undefined ? {} : { [DeadLetterHeader.sourceCeId]: originalId }),
      [DeadLetterHeader.error]: error.message.slice(0, maxErrorLength),
      [DeadLetterHeader.errorCode]: Code[error.code],
      [DeadLetterHeader.attempts]: String(letter.attempts),
      [DeadLetterHeader.failedAt]: failedAt,
      ...(consumerGroup === undefined ? {} : { [DeadLetterHeader.consumerGroup]: consumerGroup }),
    };
    if (source) {
      const id = deadLetterId(source, consumerGroup);
      Object.assign(headers, {
        [DeadLetterHeader.id]: id,
        [CloudEventHeader.id]: id,
        [DeadLetterHeader.sourceTopic]: source.topic,
        [DeadLetterHeader.sourcePartition]: String(source.partition),
        [DeadLetterHeader.sourceOffset]: source.offset,
      });
    }
    return fitted({ key: letter.key, value: letter.value, headers }, budgetBytes, topic);
  }

  return {
    start() {
      starting ??= (async () => {
        const limit = await topicLimitBytes();
        if (options.maxRequestBytes === undefined && limit !== undefined && limit > REQUEST_FRAMING_BYTES) budgetBytes = limit - REQUEST_FRAMING_BYTES;
        await producer.connect();
      })().catch((reason: unknown) => {
        starting = undefined;
        throw reason;
      });
      return starting;
    },
    async write(letters) {
      const failedAt = new Date().toISOString();
      const fresh: { message: Message; letter: DeadLetter }[] = [];
      const seenNow = new Set<string>();
      for (const letter of letters) {
        if (alreadyWritten(letter.source)) continue;
        if (letter.source) {
          // The same record twice in one call is one dead letter.
          const id = deadLetterId(letter.source);
          if (seenNow.has(id)) continue;
          seenNow.add(id);
        }
        fresh.push({ message: toMessage(letter, failedAt), letter });
      }
      const metrics = kafkaMetrics();
      for (const chunk of chunks(fresh, budgetBytes)) {
        try {
          await producer.send({ topic, acks: -1, messages: chunk.map((item) => item.message) });
        } catch (reason) {
          const first = chunk[0]?.letter.source;
          throw new KafkaDeadLetterError(topic, first?.topic ?? '(no source topic)', first?.partition ?? -1, first?.offset ?? '-', reason);
        }
        for (const { letter } of chunk) {
          remember(letter.source);
          metrics.deadLettered.inc({ topic: letter.source?.topic ?? '', group: consumerGroup ?? '' });
        }
        // One line per request, not per record: a batch of bad input would flood the log.
        const [{ letter: first }] = chunk as [(typeof chunk)[number]];
        logger.warn(
          { err: first.error, ...first.source, attempts: first.attempts, records: chunk.length, deadLetterTopic: topic },
          chunk.length === 1 ? 'record moved to the dead-letter topic' : `${chunk.length} records moved to the dead-letter topic (the first one's error shown)`,
        );
      }
    },
    forgetBefore(sourceTopic, partition, nextOffset) {
      const offsets = written.get(`${sourceTopic}/${partition}`);
      if (!offsets) return;
      const committed = BigInt(nextOffset);
      for (const offset of offsets) if (offset < committed) offsets.delete(offset);
    },
    async close() {
      await producer.disconnect();
    },
  };
}
