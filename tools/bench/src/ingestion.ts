/**
 * Ingestion benchmark on 1M replayed flight events (the first 500k flights),
 * against the local Kafka, Redis and ClickHouse:
 *
 * 1. publish: the events into a fresh `events.raw` copy, as `tributary publish`
 *    does (protobuf, 5000 per send, idempotent producer, acks = all);
 * 2. ingestor: the same records through `@tributary/ingest` in this process —
 *    decode, validate, deduplicate in Redis, insert into ClickHouse — in
 *    batches of 5000, without Kafka: what the logic itself sustains;
 * 3. service: the built ingestion service (apps/ingestion/dist) as its own
 *    process, started on the filled topic and timed until its consumer group
 *    has committed every offset (ClickHouse, `events.validated` and Redis
 *    written); its peak RSS and CPU time are read from /proc before it is
 *    stopped. CPU per event depends less than events/s on what else the
 *    shared machine runs (the servers themselves run on the same 2 cores);
 * 4. ceiling: the same topic through a bare kafkajs consume → produce pipe,
 *    the most any kafkajs service can do here;
 * 5. security on: the service again on secure servers of this run's own
 *    (`ingest events/s sasl`, see ingestion-sasl.ts).
 *
 * `BENCH_INGESTION_FLIGHTS` changes the slice (default 500000). Everything
 * made (topics, databases, Redis keys) is removed at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { encodeFlightEvent, replayFlightEvents } from '@tributary/flights';
import { localClickHouse } from '@tributary/infra/testing';
import {
  createEventValidator,
  createIngestor,
  createRawEventStore,
  createRedisDeduplicator,
  createSchemaRegistry,
  flightEventSchemas,
  type RawRecord,
} from '@tributary/ingest';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createTestTopics } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import { Partitioners } from 'kafkajs';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from './bench-cleanup.js';
import { measureSecureIngestion } from './ingestion-sasl.js';
import { reportResults, type Measurement } from './results.js';
import { cpuSecondsOf, peakRssMbOf, serviceEnv, startService, stopService } from './service-process.js';

type Kafka = ReturnType<typeof createKafkaClient>;

const flights = Number(process.env['BENCH_INGESTION_FLIGHTS'] || 500_000);
const recordsPerSend = 5000;
const recordsPerBatch = 5000;
const serviceMain = fileURLToPath(new URL('../../../apps/ingestion/dist/main.js', import.meta.url));
const logger = createLogger({ name: 'bench-ingestion', level: 'warn' });

/** Publishes the slice to `topic`; returns the encoded records too, for the in-process run. */
async function publish(kafka: Kafka, topic: typeof topics.eventsRaw): Promise<{ records: RawRecord[]; seconds: number }> {
  const producer = createProducer({ kafka, source: '/bench/ingestion', logger });
  const records: RawRecord[] = [];
  try {
    const done = await replayFlightEvents({
      maxFlights: flights,
      batchSize: recordsPerSend,
      send: async (events) => {
        const encoded = events.map((event) => ({ event, ...encodeFlightEvent(event, 'protobuf') }));
        for (const { value, contentType } of encoded) records.push({ value, contentType });
        await producer.send(
          topic,
          encoded.map(({ event, value, contentType }) => ({ key: event.flightKey, value, contentType, id: event.eventId, type: event.type })),
        );
      },
    });
    return { records, seconds: done.elapsedMs / 1000 };
  } finally {
    await producer.close();
  }
}

/** The records through the ingestor alone (Redis + ClickHouse, no Kafka). */
async function ingestInProcess(records: readonly RawRecord[], redis: Redis, clickhouse: ClickHouseClient, database: string, keyPrefix: string) {
  const store = createRawEventStore({ client: clickhouse, database });
  await store.ensureSchema();
  const ingestor = createIngestor({
    validator: createEventValidator({ registry: createSchemaRegistry(flightEventSchemas) }),
    deduplicator: createRedisDeduplicator({ redis, keyPrefix, ttlMs: 3_600_000 }),
    sinks: [store],
    logger,
  });
  let accepted = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let start = 0; start < records.length; start += recordsPerBatch) {
    accepted += (await ingestor.ingestRecords(records.slice(start, start + recordsPerBatch))).accepted;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { accepted, seconds: (performance.now() - started) / 1000, cpuMicros: cpu.user + cpu.system };
}

/**
 * The ceiling this machine gives kafkajs: a bare consume → produce pipe over
 * the same records (key, value and headers passed through untouched, acks =
 * all, idempotent, offsets committed after each send), no decoding, no
 * validation, no Redis, no ClickHouse. The service cannot beat it.
 */
async function kafkajsPassThrough(kafka: Kafka, from: string, to: string, groupId: string, events: number): Promise<{ seconds: number; cpuMicros: number }> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await Promise.all([producer.connect(), consumer.connect()]);
  let copied = 0;
  let startedMs = 0;
  let finish: (seconds: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  const cpuBefore = process.cpuUsage();
  try {
    await consumer.subscribe({ topics: [from], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        startedMs ||= performance.now();
        const messages = batch.messages.map(({ key, value, headers }) => ({ key, value, ...(headers ? { headers } : {}) }));
        await producer.send({ topic: to, acks: -1, messages });
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        await commitOffsetsIfNecessary();
        copied += messages.length;
        if (copied >= events) finish((performance.now() - startedMs) / 1000);
      },
    });
    const seconds = await done;
    const cpu = process.cpuUsage(cpuBefore);
    return { seconds, cpuMicros: cpu.user + cpu.system };
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  }
}

async function offsetsDone(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const end = ends.reduce((sum, p) => sum + Number(p.high), 0);
    const done = (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    return done >= end;
  } finally {
    await admin.disconnect();
  }
}

async function rowsFinal(clickhouse: ClickHouseClient, database: string): Promise<number> {
  const result = await clickhouse.query({
    query: 'SELECT count() AS n FROM {database:Identifier}.events_raw FINAL',
    query_params: { database },
    format: 'JSONEachRow',
  });
  return Number((await result.json<{ n: number | string }>())[0]?.n);
}

export async function run(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const names = {
    inProcessDb: `bench_ingest_lib_${suffix}`,
    serviceDb: `bench_ingest_svc_${suffix}`,
    inProcessKeys: `bench:ingest:lib:${suffix}:`,
    serviceKeys: `bench:ingest:svc:${suffix}:`,
    groupId: `bench-ingestion-${suffix}`,
  };
  const kafka = createKafkaClient({ clientId: 'bench-ingestion', logger });
  const testTopics = createTestTopics(kafka);
  const redis = new Redis(process.env['REDIS_URL'] || 'redis://127.0.0.1:6379');
  const clickhouse = localClickHouse();
  let service: ChildProcess | undefined;
  try {
    const raw = await testTopics.create(topics.eventsRaw);
    const validated = await testTopics.create(topics.eventsValidated);
    const dlq = await testTopics.create(topics.eventsDlq);

    console.log(`publishing ${2 * flights} events…`);
    const published = await publish(kafka, raw);
    const events = published.records.length;

    console.log('ingesting in process…');
    const inProcess = await ingestInProcess(published.records, redis, clickhouse, names.inProcessDb, names.inProcessKeys);
    published.records.length = 0;

    console.log('ingesting through the service…');
    const startedMs = performance.now();
    service = await startService(serviceMain, 'ingestion started', serviceEnv({
      CLICKHOUSE_DATABASE: names.serviceDb,
      INGEST_RAW_TOPIC: raw.name,
      INGEST_VALIDATED_TOPIC: validated.name,
      INGEST_DLQ_TOPIC: dlq.name,
      INGEST_GROUP_ID: names.groupId,
      INGEST_DEDUP_KEY_PREFIX: names.serviceKeys,
      INGEST_DEDUP_TTL_MS: '3600000',
    }));
    const readyMs = performance.now();
    const serviceCpuBefore = cpuSecondsOf(service.pid as number);
    while (!(await offsetsDone(kafka, names.groupId, raw.name))) await new Promise((resolve) => setTimeout(resolve, 250));
    const serviceSeconds = (performance.now() - readyMs) / 1000;
    const peakMb = peakRssMbOf(service.pid as number);
    const serviceCpuMicros = (cpuSecondsOf(service.pid as number) - serviceCpuBefore) * 1e6;
    const shutdownMs = await stopService(service);
    service = undefined;
    const serviceRows = await rowsFinal(clickhouse, names.serviceDb);

    console.log('copying through a bare kafkajs pipe…');
    const copy = await testTopics.create(topics.eventsValidated);
    const ceiling = await kafkajsPassThrough(kafka, raw.name, copy.name, `${names.groupId}-ceiling`, events);

    const plain = { eventsPerSecond: serviceRows / serviceSeconds, cpuMicrosPerEvent: serviceCpuMicros / events };
    const secure = await measureSecureIngestion({ serviceMain, plain, publish, offsetsDone, rowsFinal });

    const measurements: Measurement[] = [
      { name: `events (${flights} flights)`, value: events, unit: 'events' },
      { name: 'publish to events.raw', value: Math.round(events / published.seconds), unit: 'events/s' },
      { name: 'ingestor in process (Redis + ClickHouse, no Kafka)', value: Math.round(inProcess.accepted / inProcess.seconds), unit: 'events/s', target: '≥ 50000' },
      { name: 'ingestion service, events.raw → validated + ClickHouse', value: Math.round(serviceRows / serviceSeconds), unit: 'events/s', target: '≥ 50000' },
      { name: 'ceiling: bare kafkajs consume → produce, same records', value: Math.round(events / ceiling.seconds), unit: 'events/s' },
      { name: 'ingestor in process, CPU per event (this process)', value: inProcess.cpuMicros / inProcess.accepted, unit: 'µs' },
      { name: 'ingestion service, CPU per event (service process)', value: serviceCpuMicros / events, unit: 'µs' },
      { name: 'ceiling: bare kafkajs pipe, CPU per event', value: ceiling.cpuMicros / events, unit: 'µs' },
      { name: 'ingestion service start (to consuming)', value: Math.round(readyMs - startedMs), unit: 'ms' },
      { name: 'ingestion service peak RSS', value: Math.round(peakMb), unit: 'MB' },
      { name: 'ingestion service graceful shutdown', value: Math.round(shutdownMs), unit: 'ms' },
      { name: 'rows in events_raw (FINAL), service run', value: serviceRows, unit: 'rows' },
      { name: 'rejected (implausible values in the slice)', value: events - serviceRows, unit: 'events' },
      ...secure,
    ];
    reportResults('ingestion', measurements);
  } finally {
    service?.kill('SIGKILL');
    await Promise.allSettled([
      testTopics.deleteAll(),
      ...[names.inProcessDb, names.serviceDb].map((database) =>
        clickhouse.command({ query: 'DROP DATABASE IF EXISTS {database:Identifier}', query_params: { database } }),
      ),
      deleteKeysWithPrefix(redis, names.inProcessKeys),
      deleteKeysWithPrefix(redis, names.serviceKeys),
    ]);
    await Promise.allSettled([redis.quit(), clickhouse.close()]);
  }
}
