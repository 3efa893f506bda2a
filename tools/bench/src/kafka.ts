/**
 * Kafka benchmark: produce→consume throughput and end-to-end latency (record
 * timestamp → handler) of 1 KB records through @tributary/kafka, beside raw
 * kafkajs on the same broker with the same settings: idempotent producer,
 * acks = all, no compression, 500 records per send, commits every 1000
 * records or 1 s. Raw kafkajs runs twice: with bare 1 KB values, and doing
 * by hand what the library does for its user (six CloudEvents headers per
 * record, protobuf encoding and decoding). kafkajs spends much of its time
 * encoding headers and protobuf-es allocating, so only the second run
 * measures the library's own overhead; the first shows the price of the
 * record format.
 * Rounds alternate the three clients. Reported per client: the round with
 * the median throughput (and its latencies), and the least CPU time per
 * record of any round, which other load on the machine disturbs least.
 */
import { randomUUID } from 'node:crypto';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BytesValueSchema } from '@bufbuild/protobuf/wkt';
import { createConsumer, createKafkaClient, createProducer, createProtobufCodec, defineTopic } from '@tributary/kafka';
import { createTestTopics, type TestTopics } from '@tributary/kafka/testing';
import { percentile, reportResults, type Measurement } from './results.js';

type Kafka = ReturnType<typeof createKafkaClient>;

const recordCount = 20_000;
const recordsPerSend = 500;
const valueBytes = 1024;
const rounds = 7;
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
const message = create(BytesValueSchema, { value: payload });
const keyOf = (i: number) => `entity-${i % 100}`;

/** The headers @tributary/kafka writes, built the way a kafkajs user would: CloudEvents binding plus content type. */
function cloudEventHeaders(): Record<string, string> {
  return {
    ce_specversion: '1.0',
    ce_id: randomUUID(),
    ce_type: 'tributary.bench',
    ce_source: '/bench/kafka',
    ce_time: new Date().toISOString(),
    'content-type': 'application/protobuf',
  };
}

/**
 * Raw kafkajs. `byHand` makes it do by hand what the library does for its
 * user: the six CloudEvents headers on every record, and the value encoded and
 * decoded as the same protobuf message.
 */
function rawPipeline(kafka: Kafka, topic: string, mode: Mode, byHand: boolean): Pipeline {
  const producer = kafka.producer({ idempotent: true });
  const consumer = kafka.consumer({ groupId: `${topic}-raw`, maxWaitTimeInMs: maxWaitTimeMs });
  const bare = Buffer.from(payload);
  const encoded = () => {
    const bytes = toBinary(BytesValueSchema, message);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const messageOf = (i: number) => (byHand ? { key: keyOf(i), value: encoded(), headers: cloudEventHeaders() } : { key: keyOf(i), value: bare });
  return {
    async startConsumer(seen) {
      const handle = ({ timestamp, value }: { timestamp: string; value: Buffer | null }) => {
        if (byHand && value) fromBinary(BytesValueSchema, value);
        seen(Number(timestamp));
      };
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const commits = { autoCommit: true, autoCommitThreshold: commitEveryRecords, autoCommitInterval: commitIntervalMs };
      await consumer.run(
        mode === 'record'
          ? { ...commits, eachMessage: async ({ message }) => handle(message) }
          : {
              ...commits,
              eachBatch: async ({ batch }) => {
                for (const message of batch.messages) handle(message);
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
      const records = Array.from({ length: recordsPerSend }, (_, i) => ({ key: keyOf(batch * recordsPerSend + i), value: message }));
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

function leastCpuMicrosPerRecord(results: RoundResult[]): number {
  return Math.min(...results.map((result) => result.cpuMicrosPerRecord));
}

async function compare(kafka: Kafka, testTopics: TestTopics, mode: Mode): Promise<Measurement[]> {
  const bare: RoundResult[] = [];
  const byHand: RoundResult[] = [];
  const library: RoundResult[] = [];
  const definition = defineTopic({ name: `bench.kafka.${mode}`, keyDescription: 'entity id', codec: createProtobufCodec(BytesValueSchema) });
  const topic = async () => (await testTopics.create(definition)).name;
  for (let round = 0; round < rounds; round++) {
    bare.push(await measure(rawPipeline(kafka, await topic(), mode, false)));
    byHand.push(await measure(rawPipeline(kafka, await topic(), mode, true)));
    library.push(await measure(libraryPipeline(kafka, await topic(), mode)));
  }
  const [b, h, l] = [median(bare), median(byHand), median(library)];
  const [bareCpu, byHandCpu, libraryCpu] = [bare, byHand, library].map(leastCpuMicrosPerRecord) as [number, number, number];
  const percentOf = (part: RoundResult, whole: RoundResult) => Math.round((part.recordsPerSecond / whole.recordsPerSecond) * 1000) / 10;
  return [
    { name: `${mode}: raw kafkajs, bare bytes`, value: b.recordsPerSecond, unit: 'records/s' },
    { name: `${mode}: raw kafkajs, same work by hand`, value: h.recordsPerSecond, unit: 'records/s' },
    { name: `${mode}: @tributary/kafka`, value: l.recordsPerSecond, unit: 'records/s' },
    { name: `${mode}: library / raw same work by hand`, value: percentOf(l, h), unit: '%', target: '≥ 80' },
    { name: `${mode}: library / raw bare bytes`, value: percentOf(l, b), unit: '%' },
    { name: `${mode}: CPU per record, raw bare bytes`, value: bareCpu, unit: 'µs' },
    { name: `${mode}: CPU per record, raw same work`, value: byHandCpu, unit: 'µs' },
    { name: `${mode}: CPU per record, @tributary/kafka`, value: libraryCpu, unit: 'µs' },
    { name: `${mode}: latency p50, raw bare bytes`, value: percentile(b.latenciesMs, 50), unit: 'ms' },
    { name: `${mode}: latency p99, raw bare bytes`, value: percentile(b.latenciesMs, 99), unit: 'ms' },
    { name: `${mode}: latency p50, raw same work`, value: percentile(h.latenciesMs, 50), unit: 'ms' },
    { name: `${mode}: latency p99, raw same work`, value: percentile(h.latenciesMs, 99), unit: 'ms' },
    { name: `${mode}: latency p50, @tributary/kafka`, value: percentile(l.latenciesMs, 50), unit: 'ms' },
    { name: `${mode}: latency p99, @tributary/kafka`, value: percentile(l.latenciesMs, 99), unit: 'ms' },
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
