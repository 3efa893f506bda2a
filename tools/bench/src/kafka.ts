/**
 * Kafka benchmark: produce→consume throughput and end-to-end latency (record
 * timestamp → handler) of 1 KB records through @tributary/kafka, beside raw
 * kafkajs on the same broker with the same settings: idempotent producer,
 * acks = all, no compression, 500 records per send, commits every 1000
 * records or 1 s. Raw kafkajs runs twice: bare, and writing the same six
 * CloudEvents headers the library writes (kafkajs spends much of its encoding
 * time on headers, so only that run compares the library's own overhead).
 * Rounds alternate the three clients; the round with the median throughput
 * of each is reported, with its CPU time per record.
 */
import { randomUUID } from 'node:crypto';
import { BytesValueSchema } from '@bufbuild/protobuf/wkt';
import { createConsumer, createKafkaClient, createProducer, createProtobufCodec, defineTopic } from '@tributary/kafka';
import { createTestTopics, type TestTopics } from '@tributary/kafka/testing';
import { percentile, reportResults, type Measurement } from './results.js';

type Kafka = ReturnType<typeof createKafkaClient>;

const recordCount = 30_000;
const recordsPerSend = 500;
const valueBytes = 1024;
const rounds = 5;
const commitEveryRecords = 1000;
const commitIntervalMs = 1000;
const maxWaitTimeMs = 100;

/** Handler shape: one record per call, or the records of one fetched batch. */
type Mode = 'record' | 'batch';

/** One client's produce→consume path; `seen` is called with each handled record's timestamp. */
interface Pipeline {
  startConsumer(seen: (producedAtMs: number) => void): Promise<void>;
  send(batch: number): Promise<void>;
  close(): Promise<void>;
}

interface RoundResult {
  readonly recordsPerSecond: number;
  readonly latenciesMs: number[];
  /** CPU time of this process (producer and consumer together) per record: less sensitive to other load than throughput. */
  readonly cpuMicrosPerRecord: number;
}

const payload = new Uint8Array(valueBytes).map((_, i) => (i * 31) % 256);
const keyOf = (i: number) => `entity-${i % 100}`;

/** The headers @tributary/kafka writes, built the way a kafkajs user would: CloudEvents binding plus content type. */
function cloudEventHeaders(): Record<string, string> {
  return {
    ce_specversion: '1.0',
    ce_id: randomUUID(),
    ce_type: 'tributary.bench',
    ce_source: '/bench/kafka',
    ce_time: new Date().toISOString(),
    'content-type': 'application/octet-stream',
  };
}

function rawPipeline(kafka: Kafka, topic: string, mode: Mode, withHeaders: boolean): Pipeline {
  const producer = kafka.producer({ idempotent: true });
  const consumer = kafka.consumer({ groupId: `${topic}-raw`, maxWaitTimeInMs: maxWaitTimeMs });
  const value = Buffer.from(payload);
  const messageOf = (i: number) => (withHeaders ? { key: keyOf(i), value, headers: cloudEventHeaders() } : { key: keyOf(i), value });
  return {
    async startConsumer(seen) {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const commits = { autoCommit: true, autoCommitThreshold: commitEveryRecords, autoCommitInterval: commitIntervalMs };
      await consumer.run(
        mode === 'record'
          ? { ...commits, eachMessage: async ({ message }) => seen(Number(message.timestamp)) }
          : {
              ...commits,
              eachBatch: async ({ batch }) => {
                for (const message of batch.messages) seen(Number(message.timestamp));
              },
            },
      );
    },
    async send(batch) {
      const messages = Array.from({ length: recordsPerSend }, (_, i) => messageOf(batch * recordsPerSend + i));
      await producer.send({ topic, messages, acks: -1 });
    },
    async close() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

function libraryPipeline(kafka: Kafka, topicName: string, mode: Mode): Pipeline {
  const topic = defineTopic({ name: topicName, keyDescription: 'entity id', codec: createProtobufCodec(BytesValueSchema) });
  const producer = createProducer({ kafka, source: '/bench/kafka' });
  const value = { $typeName: 'google.protobuf.BytesValue' as const, value: payload };
  let consumer: ReturnType<typeof createConsumer> | undefined;
  const common = { kafka, topic, groupId: `${topicName}-lib`, commitEveryRecords, commitIntervalMs, maxWaitTimeMs };
  return {
    async startConsumer(seen) {
      await producer.start();
      consumer =
        mode === 'record'
          ? createConsumer({ ...common, handler: async (record) => seen(record.timestamp.getTime()) })
          : createConsumer({
              ...common,
              maxBatchSize: recordsPerSend,
              batchHandler: async (records) => {
                for (const record of records) seen(record.timestamp.getTime());
              },
            });
      await consumer.start();
    },
    async send(batch) {
      const records = Array.from({ length: recordsPerSend }, (_, i) => ({ key: keyOf(batch * recordsPerSend + i), value }));
      await producer.send(topic, records);
    },
    async close() {
      await consumer?.close();
      await producer.close();
    },
  };
}

/** Sends every record in awaited batches while the consumer runs; the clock stops at the last handled record. */
async function measure(pipeline: Pipeline): Promise<RoundResult> {
  const latenciesMs: number[] = [];
  let allSeen: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allSeen = resolve));
  await pipeline.startConsumer((producedAtMs) => {
    latenciesMs.push(Date.now() - producedAtMs);
    if (latenciesMs.length === recordCount) allSeen();
  });
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  for (let batch = 0; batch < recordCount / recordsPerSend; batch++) await pipeline.send(batch);
  await done;
  const elapsedMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuAtStart);
  await pipeline.close();
  return {
    recordsPerSecond: Math.round((recordCount / elapsedMs) * 1000),
    latenciesMs,
    cpuMicrosPerRecord: Math.round(((cpu.user + cpu.system) / recordCount) * 10) / 10,
  };
}

function median(results: RoundResult[]): RoundResult {
  const sorted = [...results].sort((a, b) => a.recordsPerSecond - b.recordsPerSecond);
  return sorted[Math.floor(sorted.length / 2)] as RoundResult;
}

async function compare(kafka: Kafka, testTopics: TestTopics, mode: Mode): Promise<Measurement[]> {
  const bare: RoundResult[] = [];
  const raw: RoundResult[] = [];
  const library: RoundResult[] = [];
  const definition = defineTopic({ name: `bench.kafka.${mode}`, keyDescription: 'entity id', codec: createProtobufCodec(BytesValueSchema) });
  const topic = async () => (await testTopics.create(definition)).name;
  for (let round = 0; round < rounds; round++) {
    bare.push(await measure(rawPipeline(kafka, await topic(), mode, false)));
    raw.push(await measure(rawPipeline(kafka, await topic(), mode, true)));
    library.push(await measure(libraryPipeline(kafka, await topic(), mode)));
  }
  const [b, r, l] = [median(bare), median(raw), median(library)];
  const percentOf = (part: RoundResult, whole: RoundResult) => Math.round((part.recordsPerSecond / whole.recordsPerSecond) * 1000) / 10;
  return [
    { name: `${mode}: raw kafkajs, no headers`, value: b.recordsPerSecond, unit: 'records/s' },
    { name: `${mode}: raw kafkajs, same headers`, value: r.recordsPerSecond, unit: 'records/s' },
    { name: `${mode}: @tributary/kafka`, value: l.recordsPerSecond, unit: 'records/s' },
    { name: `${mode}: @tributary/kafka / raw, same headers`, value: percentOf(l, r), unit: '%', target: '≥ 80' },
    { name: `${mode}: @tributary/kafka / raw, no headers`, value: percentOf(l, b), unit: '%' },
    { name: `${mode}: raw kafkajs, no headers, CPU per record`, value: b.cpuMicrosPerRecord, unit: 'µs' },
    { name: `${mode}: raw kafkajs, same headers, CPU per record`, value: r.cpuMicrosPerRecord, unit: 'µs' },
    { name: `${mode}: @tributary/kafka, CPU per record`, value: l.cpuMicrosPerRecord, unit: 'µs' },
    { name: `${mode}: raw kafkajs, no headers, latency p50`, value: percentile(b.latenciesMs, 50), unit: 'ms' },
    { name: `${mode}: raw kafkajs, no headers, latency p99`, value: percentile(b.latenciesMs, 99), unit: 'ms' },
    { name: `${mode}: raw kafkajs, same headers, latency p50`, value: percentile(r.latenciesMs, 50), unit: 'ms' },
    { name: `${mode}: raw kafkajs, same headers, latency p99`, value: percentile(r.latenciesMs, 99), unit: 'ms' },
    { name: `${mode}: @tributary/kafka latency p50`, value: percentile(l.latenciesMs, 50), unit: 'ms' },
    { name: `${mode}: @tributary/kafka latency p99`, value: percentile(l.latenciesMs, 99), unit: 'ms' },
  ];
}

/** Runs the benchmark against `KAFKA_BROKERS` (default 127.0.0.1:9092) and reports it as `kafka`. */
export async function run(): Promise<void> {
  process.env['LOG_LEVEL'] ??= 'warn';
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
  const kafka = createKafkaClient({ clientId: 'bench-kafka' });
  const testTopics = createTestTopics(kafka);
  try {
    const measurements = [...(await compare(kafka, testTopics, 'batch')), ...(await compare(kafka, testTopics, 'record'))];
    reportResults('kafka', measurements);
  } finally {
    await testTopics.deleteAll();
  }
}
