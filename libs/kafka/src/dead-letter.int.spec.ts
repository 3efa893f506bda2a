import { create } from '@bufbuild/protobuf';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { Code, TributaryError } from '@tributary/errors';
import { createLogger } from '@tributary/observability';
import type { Admin, ConfigResourceTypes } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createBytesCodec,
  createConsumer,
  createKafkaClient,
  createProducer,
  createProtobufCodec,
  deadLetterId,
  defineTopic,
  type ConsumerOptions,
  type TypedConsumer,
} from './index.js';
import { createTestTopics, readRecords, uniqueName } from './testing/index.js';

const kafka = createKafkaClient({ clientId: 'kafka-dead-letter-test' });
const logger = createLogger({ name: 'kafka-dead-letter-test', level: 'error' });
const testTopics = createTestTopics(kafka);
const ids = defineTopic({ name: 'test.dl-ids', keyDescription: 'id', codec: createProtobufCodec(StringValueSchema), partitions: 1 });
const bytes = defineTopic({ name: 'test.dl-bytes', keyDescription: 'id', codec: createBytesCodec(), partitions: 1 });
const deadLetterDefinition = defineTopic({ name: 'test.dl-dlq', keyDescription: 'original key', codec: createBytesCodec(), partitions: 2 });
const producer = createProducer({ kafka, source: '/tests/dead-letters', logger });
const consumers: TypedConsumer[] = [];
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((consumer) => consumer.close()));
});

afterAll(async () => {
  await producer.close();
  await testTopics.deleteAll();
  await admin.disconnect();
});

async function startConsumer<T>(options: ConsumerOptions<T>): Promise<TypedConsumer> {
  const consumer = createConsumer({ logger, retryBaseDelayMs: 5, retryMaxDelayMs: 50, maxWaitTimeMs: 100, ...options });
  consumers.push(consumer);
  await consumer.start();
  return consumer;
}

async function recordsIn(topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
}

async function committedOffset(groupId: string, topic: string): Promise<string | undefined> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets?.partitions.find((partition) => partition.partition === 0)?.offset;
}

/** A dead-letter topic whose broker limit is `maxMessageBytes`. */
async function deadLetterTopicLimitedTo(maxMessageBytes: number): Promise<string> {
  const { name } = await testTopics.create(deadLetterDefinition);
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: 2 as ConfigResourceTypes /* TOPIC */, name, configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }] }],
  });
  return name;
}

describe('dead letters', () => {
  it('writes the dead letters of a batch once, under a stable id, however often the batch is retried (regression: 8 copies of one id)', async () => {
    const topic = await testTopics.create(ids);
    const deadLetterTopic = (await testTopics.create(deadLetterDefinition)).name;
    await producer.send(
      topic,
      Array.from({ length: 20 }, (_, i) => ({ key: `key-${i}`, id: `event-${i}`, value: create(StringValueSchema, { value: `id-${i}` }) })),
    );
    const groupId = uniqueName('test-dl-retry');
    let calls = 0;
    const handled = new Set<string>();
    await startConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic,
      retries: 2,
      maxBatchSize: 20,
      commitEveryRecords: 1,
      batchHandler: async (records, context) => {
        // Every third record is refused; then the store behind the handler fails the batch four times.
        await context.deadLetter(
          records
            .filter((record) => Number(record.value.value.slice(3)) % 3 === 0)
            .map((record) => ({ record, error: new TributaryError(Code.InvalidArgument, `bad ${record.value.value}`, { retryable: false }), headers: { dlq_reason: 'test.bad' } })),
        );
        if (++calls <= 4) throw new TributaryError(Code.Unavailable, 'store down', { retryable: true });
        for (const record of records) handled.add(record.value.value);
      },
    });

    await vi.waitFor(() => expect(handled.size).toBe(20), { timeout: 20_000 });
    await vi.waitFor(async () => expect(await committedOffset(groupId, topic.name)).toBe('20'), { timeout: 5000 });
    expect(calls).toBe(5);
    expect(await recordsIn(deadLetterTopic)).toBe(7);
    const letters = await readRecords(kafka, deadLetterTopic, 7);
    const byOffset = new Map(letters.map((letter) => [letter.headers['dlq_source_offset'], letter]));
    expect([...byOffset.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(['0', '3', '6', '9', '12', '15', '18']);
    const letter = byOffset.get('9');
    const id = deadLetterId({ topic: topic.name, partition: 0, offset: '9' }, groupId);
    expect(letter?.headers).toMatchObject({
      dlq_id: id,
      ce_id: id,
      dlq_source_ce_id: 'event-9',
      dlq_reason: 'test.bad',
      dlq_error: 'bad id-9',
      dlq_error_code: 'InvalidArgument',
      dlq_attempts: '1',
      dlq_source_topic: topic.name,
      dlq_source_partition: '0',
      dlq_consumer_group: groupId,
    });
    expect(id).toBe(`${groupId}/${topic.name}/0/9`);
    expect(letter?.key).toBe('key-9');
  }, 40_000);

  it("splits 2,000 dead letters into requests under the topic's max.message.bytes and omits the value of one too large for it (regression: MESSAGE_TOO_LARGE)", async () => {
    const topic = await testTopics.create(bytes);
    const deadLetterTopic = await deadLetterTopicLimitedTo(64 * 1024);
    const payload = (i: number) => new Uint8Array(400).fill(i % 251);
    const huge = new Uint8Array(200 * 1024).fill(7);
    for (let start = 0; start < 2000; start += 500) {
      await producer.send(topic, Array.from({ length: 500 }, (_, j) => ({ key: `key-${start + j}`, value: payload(start + j) })));
    }
    await producer.send(topic, [{ key: 'huge', value: huge }]);
    const groupId = uniqueName('test-dl-size');
    let handledThrough = -1;
    await startConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic,
      maxBatchSize: 2001,
      batchHandler: async (records, context) => {
        await context.deadLetter(records.map((record) => ({ record, error: new TributaryError(Code.InvalidArgument, 'refused', { retryable: false }) })));
        handledThrough = Number(records.at(-1)?.offset);
      },
    });

    await vi.waitFor(() => expect(handledThrough).toBe(2000), { timeout: 30_000 });
    const letters = await readRecords(kafka, deadLetterTopic, 2001, { timeoutMs: 30_000 });
    expect(new Set(letters.map((letter) => letter.headers['dlq_source_offset'])).size).toBe(2001);
    const sample = letters.find((letter) => letter.headers['dlq_source_offset'] === '1234');
    expect(sample?.value).toEqual(Buffer.from(payload(1234)));
    const omitted = letters.find((letter) => letter.key === 'huge');
    expect(omitted?.value).toBeNull();
    expect(omitted?.headers['dlq_value_omitted']).toMatch(/^value of 204800 bytes \(sha256 [0-9a-f]{64}\) omitted: the record exceeds the \d+-byte limit of /);
    expect(omitted?.headers['dlq_source_offset']).toBe('2000');
    expect(await recordsIn(deadLetterTopic)).toBe(2001);
  }, 60_000);
});
