import { setTimeout as sleep } from 'node:timers/promises';
import { create, fromJson, toJson } from '@bufbuild/protobuf';
import { StringValueSchema, StructSchema } from '@bufbuild/protobuf/wkt';
import { ROOT_CONTEXT, SpanKind, TraceFlags, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
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
  recordTraceContext,
  type ConsumedRecord,
  type ConsumerOptions,
  type TopicDefinition,
  type TypedConsumer,
} from './index.js';
import { createTestTopics, readRecords, uniqueName } from './testing/index.js';

const kafka = createKafkaClient({ clientId: 'kafka-consumer-test' });
const logger = createLogger({ name: 'kafka-consumer-test', level: 'error' });
const testTopics = createTestTopics(kafka);
const ids = defineTopic({ name: 'test.ids', keyDescription: 'id', codec: createProtobufCodec(StringValueSchema), partitions: 1 });
const deadLetterDefinition = defineTopic({ name: 'test.dlq', keyDescription: 'original key', codec: createBytesCodec(), partitions: 1 });
const exporter = new InMemorySpanExporter();
const producer = createProducer({ kafka, source: '/tests/consumer', logger });
const consumers: TypedConsumer[] = [];
let admin: Admin;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
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

/** Test topics: a one-partition topic of string ids and its own dead-letter topic. */
async function topicsForTest(): Promise<{ topic: TopicDefinition<{ value: string }>; deadLetterTopic: string }> {
  const [topic, deadLetters] = await Promise.all([testTopics.create(ids), testTopics.create(deadLetterDefinition)]);
  return { topic, deadLetterTopic: deadLetters.name };
}

async function produceIds(topic: TopicDefinition<{ value: string }>, from: number, to: number): Promise<void> {
  const records = [];
  for (let i = from; i < to; i++) records.push({ key: `key-${i}`, value: create(StringValueSchema, { value: `id-${i}` }) });
  await producer.send(topic, records);
}

async function startConsumer<T>(options: ConsumerOptions<T>): Promise<TypedConsumer> {
  const consumer = createConsumer({ logger, retryBaseDelayMs: 5, maxWaitTimeMs: 100, ...options });
  consumers.push(consumer);
  await consumer.start();
  return consumer;
}

async function committedOffset(groupId: string, topic: string): Promise<string | undefined> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets?.partitions.find((partition) => partition.partition === 0)?.offset;
}

async function recordsIn(topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
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

describe('createConsumer()', () => {
  it('decodes the record, keeps its headers and continues the producer trace in the handler span', async () => {
    const topic = await testTopics.create(defineTopic({ name: 'test.traced', keyDescription: 'entity id', codec: createProtobufCodec(StructSchema) }));
    await trace.getTracer('test').startActiveSpan('request', async (span) => {
      await producer.send(topic, [{ key: 'SFO', value: fromJson(StructSchema, { delay: 17 }), type: 'flight.arrived' }]);
      span.end();
    });
    const received: { record: ConsumedRecord<unknown>; traceId: string | undefined }[] = [];
    await startConsumer({
      kafka,
      topic,
      groupId: uniqueName('test-traced'),
      handler: async (record) => {
        received.push({ record, traceId: trace.getActiveSpan()?.spanContext().traceId });
      },
    });

    await vi.waitFor(() => expect(received).toHaveLength(1), { timeout: 15_000 });
    const [{ record, traceId }] = received as [(typeof received)[0]];
    expect(record.key).toBe('SFO');
    expect(toJson(StructSchema, record.value as never)).toEqual({ delay: 17 });
    expect(record.header('ce_type')).toBe('flight.arrived');
    expect(record.header('no-such-header')).toBeUndefined();
    expect(record.headers).toMatchObject({ ce_type: 'flight.arrived', ce_source: '/tests/consumer', 'content-type': 'application/protobuf' });
    expect(record.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const spans = () => exporter.getFinishedSpans();
    await vi.waitFor(() => expect(spans().some((span) => span.name === `process ${topic.name}`)).toBe(true));
    const producerSpan = spans().find((span) => span.name === `send ${topic.name}`)!;
    const consumerSpan = spans().find((span) => span.name === `process ${topic.name}`)!;
    expect(producerSpan.kind).toBe(SpanKind.PRODUCER);
    expect(consumerSpan.kind).toBe(SpanKind.CONSUMER);
    expect(consumerSpan.spanContext().traceId).toBe(producerSpan.spanContext().traceId);
    expect(consumerSpan.parentSpanContext?.spanId).toBe(producerSpan.spanContext().spanId);
    expect(traceId).toBe(producerSpan.spanContext().traceId);
  });

  it('links a batch span to the producer span of each record in it', async () => {
    const topic = await testTopics.create(defineTopic({ name: 'test.linked', keyDescription: 'entity id', codec: createProtobufCodec(StringValueSchema), partitions: 1 }));
    for (const id of ['a', 'b', 'c']) {
      await trace.getTracer('test').startActiveSpan(`request ${id}`, async (span) => {
        await producer.send(topic, [{ key: id, value: create(StringValueSchema, { value: id }) }]);
        span.end();
      });
    }
    const batches: number[] = [];
    await startConsumer({ kafka, topic, groupId: uniqueName('test-linked'), batchHandler: async (records) => void batches.push(records.length) });

    await vi.waitFor(() => expect(batches.reduce((sum, n) => sum + n, 0)).toBe(3), { timeout: 15_000 });
    expect(batches).toEqual([3]);
    const spans = () => exporter.getFinishedSpans();
    await vi.waitFor(() => expect(spans().some((span) => span.name === `process ${topic.name}`)).toBe(true));
    const producerSpanIds = spans().filter((span) => span.name === `send ${topic.name}`).map((span) => span.spanContext().spanId);
    const batchSpan = spans().find((span) => span.name === `process ${topic.name}`)!;
    expect(producerSpanIds).toHaveLength(3);
    expect(batchSpan.links.map((link) => link.context.spanId).sort()).toEqual([...producerSpanIds].sort());
  });

  it("continues each record's own trace through a batch handler that forwards it with recordTraceContext", async () => {
    const forwarding = (name: string) => defineTopic({ name, keyDescription: 'entity id', codec: createProtobufCodec(StringValueSchema), partitions: 1 });
    const [input, output] = await Promise.all([testTopics.create(forwarding('test.batch-in')), testTopics.create(forwarding('test.batch-out'))]);
    const traceIds = new Map<string, string>();
    for (const id of ['a', 'b', 'c']) {
      await trace.getTracer('test').startActiveSpan(`request ${id}`, async (span) => {
        traceIds.set(id, span.spanContext().traceId);
        await producer.send(input, [{ key: id, value: create(StringValueSchema, { value: id }) }]);
        span.end();
      });
    }
    const batches: number[] = [];
    await startConsumer({
      kafka,
      topic: input,
      groupId: uniqueName('test-forward'),
      batchHandler: async (records) => {
        batches.push(records.length);
        await producer.send(output, records.map((record) => ({ key: record.value.value, value: record.value, traceContext: recordTraceContext(record) })));
      },
    });
    const forwarded = await readRecords(kafka, output.name, 3);

    expect(batches).toEqual([3]);
    const spans = exporter.getFinishedSpans();
    const sendOut = spans.find((span) => span.name === `send ${output.name}`)!;
    const creates = spans.filter((span) => span.name === `create ${output.name}`);
    expect(creates).toHaveLength(3);
    for (const record of forwarded) {
      const id = record.key!.toString();
      const [, traceId, spanId] = record.headers!['traceparent']!.toString().split('-');
      const create = creates.find((span) => span.spanContext().spanId === spanId)!;
      // Each forwarded record names its own create span, in the trace its input record came in.
      expect(traceId).toBe(traceIds.get(id));
      expect(create.spanContext().traceId).toBe(traceIds.get(id));
      expect(create.kind).toBe(SpanKind.PRODUCER);
      const inputSend = spans.find((span) => span.name === `send ${input.name}` && span.spanContext().traceId === traceIds.get(id))!;
      expect(create.parentSpanContext?.spanId).toBe(inputSend.spanContext().spanId);
    }
    expect(sendOut.links.map((link) => link.context.spanId).sort()).toEqual(creates.map((span) => span.spanContext().spanId).sort());
  });

  it('makes no create span for a record whose context is in the send span’s own trace: a batch of one, handled in its trace', async () => {
    const topic = await testTopics.create(defineTopic({ name: 'test.same-trace', keyDescription: 'entity id', codec: createProtobufCodec(StringValueSchema), partitions: 1 }));
    const traceId = await trace.getTracer('test').startActiveSpan('handling', async (span) => {
      await producer.send(topic, [{ key: 'a', value: create(StringValueSchema, { value: 'a' }), traceContext: context.active() }]);
      span.end();
      return span.spanContext().traceId;
    });
    const [record] = await readRecords(kafka, topic.name, 1);
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const send = spans.find((span) => span.name === `send ${topic.name}`)!;
    expect(spans.filter((span) => span.name === `create ${topic.name}`)).toEqual([]);
    expect(record?.headers['traceparent']).toBe(`00-${traceId}-${send.spanContext().spanId}-01`);
  });

  it('carries the context of a record whose trace was not sampled as it is, without a create span', async () => {
    const topic = await testTopics.create(defineTopic({ name: 'test.unsampled', keyDescription: 'entity id', codec: createProtobufCodec(StringValueSchema), partitions: 1 }));
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE, isRemote: true });
    await producer.send(topic, [{ key: 'a', value: create(StringValueSchema, { value: 'a' }), traceContext: unsampled }]);
    const [record] = await readRecords(kafka, topic.name, 1);
    expect(record?.headers['traceparent']).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00');
    expect(exporter.getFinishedSpans().filter((span) => span.name === `create ${topic.name}`)).toEqual([]);
  });

  it('retries a failing record, sends it to the DLQ with the reason and source offset, and handles the records after it', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await produceIds(topic, 0, 20);
    const handled = new Set<string>();
    let poisonAttempts = 0;
    const groupId = uniqueName('test-dlq');
    await startConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic,
      retries: 2,
      handler: async ({ value }) => {
        if (value.value === 'id-7') {
          poisonAttempts++;
          throw new Error('no airport for id-7');
        }
        handled.add(value.value);
      },
    });

    await vi.waitFor(() => expect(handled.size).toBe(19), { timeout: 15_000 });
    const [dead] = await readRecords(kafka, deadLetterTopic, 1);
    expect(poisonAttempts).toBe(3);
    expect(dead?.key).toBe('key-7');
    expect(topic.codec.decode(dead!.value!).value).toBe('id-7');
    expect(dead?.headers).toMatchObject({
      dlq_error: 'no airport for id-7',
      dlq_error_code: 'Unknown',
      dlq_source_topic: topic.name,
      dlq_source_partition: '0',
      dlq_source_offset: '7',
      dlq_attempts: '3',
      dlq_consumer_group: groupId,
      ce_source: '/tests/consumer',
    });
    expect(Date.parse(dead!.headers['dlq_failed_at']!)).not.toBeNaN();
    const accounted = new Set([...handled, 'id-7']);
    expect(Array.from({ length: 20 }, (_, i) => `id-${i}`).every((id) => accounted.has(id))).toBe(true);
    await vi.waitFor(async () => expect(await committedOffset(groupId, topic.name)).toBe('20'), { timeout: 5_000 });
  });

  it('sends a record that does not decode to the DLQ at once', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await producer.send({ ...topic, codec: createBytesCodec() }, [{ key: 'garbage', value: new Uint8Array([0xff, 0xff, 0xff]) }]);
    await produceIds(topic, 1, 2);
    const handled: string[] = [];
    await startConsumer({ kafka, topic, groupId: uniqueName('test-decode'), deadLetterTopic, handler: async ({ value }) => void handled.push(value.value) });

    const [dead] = await readRecords(kafka, deadLetterTopic, 1);
    expect(dead?.headers).toMatchObject({ dlq_error_code: 'InvalidArgument', dlq_attempts: '0', dlq_source_offset: '0' });
    expect([...dead!.value!]).toEqual([0xff, 0xff, 0xff]);
    await vi.waitFor(() => expect(handled).toEqual(['id-1']));
  });

  it('does not retry an error that says it is not retryable', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await produceIds(topic, 0, 1);
    let attempts = 0;
    await startConsumer({
      kafka,
      topic,
      groupId: uniqueName('test-fatal'),
      deadLetterTopic,
      handler: async () => {
        attempts++;
        throw new TributaryError(Code.FailedPrecondition, 'unknown model', { retryable: false });
      },
    });

    const [dead] = await readRecords(kafka, deadLetterTopic, 1);
    expect(dead?.headers).toMatchObject({ dlq_error: 'unknown model', dlq_error_code: 'FailedPrecondition', dlq_attempts: '1' });
    expect(attempts).toBe(1);
  });

  it('hands batches to a batch handler and dead-letters only the record that keeps failing', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await produceIds(topic, 0, 300);
    const handled = new Set<string>();
    const batchSizes: number[] = [];
    await startConsumer({
      kafka,
      topic,
      groupId: uniqueName('test-batch'),
      deadLetterTopic,
      retries: 1,
      maxBatchSize: 100,
      batchHandler: async (records) => {
        batchSizes.push(records.length);
        if (records.some((record) => record.value.value === 'id-150')) throw new Error('bad batch');
        for (const record of records) handled.add(record.value.value);
      },
    });

    await vi.waitFor(() => expect(handled.size).toBe(299), { timeout: 15_000 });
    const [dead] = await readRecords(kafka, deadLetterTopic, 1);
    expect(dead?.headers).toMatchObject({ dlq_source_offset: '150', dlq_error: 'bad batch', dlq_attempts: '2' });
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(100);
    expect(handled.has('id-150')).toBe(false);
  });

  it('holds the partition through an outage — no record dead-lettered — heartbeating, and moves on when it ends', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await produceIds(topic, 0, 50);
    const groupId = uniqueName('test-outage');
    const handled: string[] = [];
    let down = true;
    let failedCalls = 0;
    const consumer = await startConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic,
      retries: 1,
      retryMaxDelayMs: 200,
      // Shorter than the outage: the member must heartbeat while it waits, or the group drops it.
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      commitEveryRecords: 1,
      maxBatchSize: 20,
      batchHandler: async (records) => {
        if (down) {
          failedCalls++;
          throw new TributaryError(Code.Unavailable, 'redis is down', { retryable: true });
        }
        handled.push(...records.map((record) => record.value.value));
      },
    });
    const memberBefore = (await admin.describeGroups([groupId])).groups[0]?.members.map((member) => member.memberId);

    await vi.waitFor(() => expect(consumer.stalled).toBe(true), { timeout: 15_000 });
    await sleep(8000);
    expect(failedCalls).toBeGreaterThan(10);
    expect(handled).toEqual([]);
    expect(await committedOffset(groupId, topic.name)).toBe('-1');
    expect((await admin.describeGroups([groupId])).groups[0]?.members.map((member) => member.memberId)).toEqual(memberBefore);

    down = false;
    await vi.waitFor(() => expect(handled).toHaveLength(50), { timeout: 10_000 });
    expect(handled).toEqual(Array.from({ length: 50 }, (_, i) => `id-${i}`));
    expect(consumer.stalled).toBe(false);
    await vi.waitFor(async () => expect(await committedOffset(groupId, topic.name)).toBe('50'), { timeout: 5_000 });
    await consumer.close();
    expect(await recordsIn(deadLetterTopic)).toBe(0);
  }, 40_000);

  it('close() during an outage returns promptly and commits nothing of the held records', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await produceIds(topic, 0, 5);
    const groupId = uniqueName('test-outage-close');
    const consumer = await startConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic,
      retries: 0,
      retryMaxDelayMs: 60_000,
      handler: async () => {
        throw new TributaryError(Code.Unavailable, 'clickhouse is down', { retryable: true });
      },
    });
    await vi.waitFor(() => expect(consumer.stalled).toBe(true), { timeout: 15_000 });

    const closing = performance.now();
    await consumer.close();
    expect(performance.now() - closing).toBeLessThan(5000);
    expect(consumer.stalled).toBe(false);
    expect(await committedOffset(groupId, topic.name)).toBe('-1');
    expect(await recordsIn(deadLetterTopic)).toBe(0);
  });

  it('close() aborts the handler signal; a handler that gives up leaves its record to the next member, uncommitted and not dead-lettered', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await produceIds(topic, 0, 3);
    const groupId = uniqueName('test-abandon');
    const handled: string[] = [];
    let inLongHandler = false;
    const consumer = await startConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic,
      commitEveryRecords: 1,
      handler: async ({ value }, { signal }) => {
        if (value.value === 'id-1') {
          inLongHandler = true;
          await sleep(60_000, undefined, { signal }); // rejects with the abort
        }
        handled.push(value.value);
      },
    });
    await vi.waitFor(() => expect(inLongHandler).toBe(true), { timeout: 15_000 });

    const closing = performance.now();
    await consumer.close();
    expect(performance.now() - closing).toBeLessThan(5000);
    expect(handled).toEqual(['id-0']);
    expect(await committedOffset(groupId, topic.name)).toBe('1');
    expect(await recordsIn(deadLetterTopic)).toBe(0);

    const again: string[] = [];
    await startConsumer({ kafka, topic, groupId, deadLetterTopic, handler: async ({ value }) => void again.push(value.value) });
    await vi.waitFor(() => expect(again).toEqual(['id-1', 'id-2']), { timeout: 15_000 });
  });

  it('never commits past a record whose handler has not finished', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await produceIds(topic, 0, 10);
    const groupId = uniqueName('test-commit');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let blocked = false;
    await startConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic,
      commitEveryRecords: 1,
      handler: async ({ value }) => {
        if (value.value !== 'id-5') return;
        blocked = true;
        await gate;
      },
    });

    await vi.waitFor(() => expect(blocked).toBe(true), { timeout: 15_000 });
    await sleep(300);
    expect(await committedOffset(groupId, topic.name)).toBe('5');
    release();
    await vi.waitFor(async () => expect(await committedOffset(groupId, topic.name)).toBe('10'), { timeout: 5_000 });
  });

  it('pause() stops delivery at the next record and resume() continues from there', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await produceIds(topic, 0, 10);
    const handled: string[] = [];
    const consumer: TypedConsumer = await startConsumer({
      kafka,
      topic,
      groupId: uniqueName('test-pause'),
      deadLetterTopic,
      handler: async ({ value }) => {
        handled.push(value.value);
        if (value.value === 'id-2') consumer.pause();
      },
    });

    await vi.waitFor(() => expect(handled).toEqual(['id-0', 'id-1', 'id-2']), { timeout: 15_000 });
    await produceIds(topic, 10, 12);
    await sleep(500);
    expect(consumer.paused).toBe(true);
    expect(handled).toHaveLength(3);
    consumer.resume();
    await vi.waitFor(() => expect(handled).toHaveLength(12));
    expect(handled).toEqual(Array.from({ length: 12 }, (_, i) => `id-${i}`));
  });

  it('loses no record and commits every partition when a second member joins mid-stream', async () => {
    const topic = await testTopics.create({ ...ids, partitions: 2 });
    const deadLetterTopic = (await testTopics.create(deadLetterDefinition)).name;
    await produceIds(topic, 0, 100);
    const groupId = uniqueName('test-rebalance');
    const handled = new Set<string>();
    const slowly = async ({ value }: ConsumedRecord<{ value: string }>) => {
      await sleep(20);
      handled.add(value.value);
    };
    const member = { kafka, topic, groupId, deadLetterTopic, heartbeatIntervalMs: 200, commitEveryRecords: 5, handler: slowly };
    await startConsumer(member);
    await vi.waitFor(() => expect(handled.size).toBeGreaterThan(5), { timeout: 15_000 });
    await startConsumer(member);

    await vi.waitFor(() => expect(handled.size).toBe(100), { timeout: 20_000 });
    await Promise.all(consumers.splice(0).map((consumer) => consumer.close()));
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic.name] });
    const committed = offsets?.partitions.reduce((sum, partition) => sum + Number(partition.offset), 0);
    expect(committed).toBe(100);
  });

  it('close() lets the handler in flight finish and commits what was handled', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
    await produceIds(topic, 0, 5);
    const groupId = uniqueName('test-close');
    const handled: string[] = [];
    let inHandler = false;
    const consumer = createConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic,
      logger,
      maxWaitTimeMs: 100,
      commitIntervalMs: 60_000,
      commitEveryRecords: 10_000,
      handler: async ({ value }) => {
        if (value.value === 'id-4') {
          inHandler = true;
          await sleep(300);
        }
        handled.push(value.value);
      },
    });
    await consumer.start();
    await vi.waitFor(() => expect(inHandler).toBe(true), { timeout: 15_000 });
    expect(await committedOffset(groupId, topic.name)).toBe('-1');

    await Promise.all([consumer.close(), consumer.close()]);
    expect(handled).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
    expect(await committedOffset(groupId, topic.name)).toBe('5');

    await produceIds(topic, 5, 6);
    const again: string[] = [];
    await startConsumer({ kafka, topic, groupId, deadLetterTopic, handler: async ({ value }) => void again.push(value.value) });
    await vi.waitFor(() => expect(again).toEqual(['id-5']), { timeout: 15_000 });
  });
});

describe('createConsumer() dead letters', () => {
  it('writes the dead letters of a batch once, under a stable id, however often the batch is retried (regression: 8 copies of one id)', async () => {
    const { topic, deadLetterTopic } = await topicsForTest();
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
      retryMaxDelayMs: 50,
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
    const topic = await testTopics.create(defineTopic({ name: 'test.bytes', keyDescription: 'id', codec: createBytesCodec(), partitions: 1 }));
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
