import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { loadConfig } from '@tributary/config';
import { EventSchema, type Event } from '@tributary/contracts';
import { createFeatureProcessor, createOfflineStore, createOnlineStore, flightFeatureSet, type FeatureRecord } from '@tributary/features';
import { readFlightEvents, toEventMessage } from '@tributary/flights';
import { localClickHouse, localClickHouseUrl, scanRedisKeys } from '@tributary/infra/testing';
import { createRawEventStore } from '@tributary/ingest';
import { createKafkaClient, createPartitionEndOffsets, createProducer, topics } from '@tributary/kafka';
import { createTestTopics, readRecords } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runBackfillCommand } from './backfill-command.js';
import { featurePipelineConfigSchema } from './config.js';
import { featureEventOf } from './feature-events.js';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const logger = createLogger({ name: 'feature-pipeline-test', level: 'warn' });
const redisUrl = process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379';
const clickhouseUrl = localClickHouseUrl();
const kafka = createKafkaClient({ clientId: 'feature-pipeline-test', logger });
const testTopics = createTestTopics(kafka);
const redis = new Redis(redisUrl);
const clickhouse = localClickHouse();
const prefixes: string[] = [];
const databases: string[] = [];
const children: ChildProcess[] = [];

function unique(stem: string): string {
  const name = `${stem}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (stem.startsWith('features')) prefixes.push(name);
  else databases.push(name);
  return name;
}

/** The first flights of the dataset as `events.validated` messages, in event-time order. */
async function flightEvents(flights: number): Promise<Event[]> {
  const events: Event[] = [];
  for await (const event of readFlightEvents({ maxFlights: flights })) events.push(toEventMessage(event));
  return events;
}

/** Both stores of a run, comparable across runs: online hashes, checkpoint (owner epoch aside, live buckets), offline rows. */
async function storesOf(prefix: string, database: string) {
  const hashes: Record<string, Record<string, string>> = {};
  for (const key of (await scanRedisKeys(redis, prefix)).sort()) {
    const hash = await redis.hgetall(key);
    delete hash['epoch'];
    hashes[key.slice(prefix.length)] = hash;
  }
  const tick = Number(hashes[':{_state}:meta']?.['tick']);
  for (const [key, hash] of Object.entries(hashes)) {
    const window = /^:\{_state\}:window:.*\|(\d+)\/(\d+):\d+$/.exec(key);
    if (!window) continue;
    // A checkpoint keeps buckets until their day leaves the window; which dead ones linger
    // depends on where batches ended. Live buckets (not yet past their window) must match.
    const [windowMs, bucketMs] = [Number(window[1]), Number(window[2])];
    const firstLive = Math.floor((tick * 60_000) / bucketMs) - windowMs / bucketMs;
    hashes[key] = Object.fromEntries(Object.entries(hash).filter(([field]) => Number(field.split(':')[0]) >= firstLive));
  }
  const tables: Record<string, unknown[]> = {};
  for (const entityType of flightFeatureSet.entityTypes) {
    const result = await clickhouse.query({
      query: `SELECT * FROM {database:Identifier}.{table:Identifier} FINAL ORDER BY version, entity_id, event_time`,
      query_params: { database, table: `features_${entityType}` },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_denormals: 1 },
    });
    tables[entityType] = await result.json();
  }
  return { hashes, tables };
}

/** The reference: the same records through a processor in this process, never interrupted. */
async function processInProcess(records: readonly FeatureRecord[], prefix: string, database: string, options: { sealAtMs?: number; sources?: string[] } = {}) {
  const onlineStore = createOnlineStore({ redis, featureSet: flightFeatureSet, prefix });
  const offlineStore = createOfflineStore({ client: clickhouse, featureSet: flightFeatureSet, database });
  await offlineStore.ensureSchema();
  const ownRedis = new Redis(redisUrl);
  try {
    // No end offsets: no source is ever idle, the reference waits for every declared one.
    const processor = createFeatureProcessor({ featureSet: flightFeatureSet, redis: ownRedis, onlineStore, offlineStore, allowedLatenessMs: 60_000, ...(options.sources ? { sources: options.sources } : {}) });
    for (let i = 0; i < records.length; i += 1000) await processor.process(records.slice(i, i + 1000));
    if (options.sealAtMs !== undefined) await processor.seal(options.sealAtMs);
  } finally {
    ownRedis.disconnect();
  }
}

function startService(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', main], {
    env: { ...process.env, OPS_PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

/** How many records of each partition the service's checkpoint has applied. */
async function appliedPerPartition(prefix: string, topic: string): Promise<Map<number, number>> {
  const meta = await redis.hgetall(`${prefix}:{_state}:meta`);
  const applied = new Map<number, number>();
  for (const [field, value] of Object.entries(meta)) {
    if (!field.startsWith(`source:${topic}/`)) continue;
    applied.set(Number(field.slice(`source:${topic}/`.length)), Number(value.split(',')[0]) + 1);
  }
  return applied;
}

/** How many records a topic holds, e.g. a dead-letter topic that must stay empty. */
async function recordsOn(topic: string): Promise<number> {
  const endOffsets = createPartitionEndOffsets({ kafka, topic });
  try {
    return [...(await endOffsets.fetch()).values()].reduce((sum, end) => sum + Number(end), 0);
  } finally {
    await endOffsets.close();
  }
}

/**
 * Writes events to the partitions `partitionOf` picks, in order, as ingestion's
 * sink does (one request per thousand); `next` counts each partition's records.
 */
async function produceTo(topic: string, events: readonly Event[], partitionOf: (event: Event) => number, next: Map<number, bigint>): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 1000) {
      const chunk = events.slice(i, i + 1000);
      await producer.send({ topic, acks: -1, messages: chunk.map((event) => ({ partition: partitionOf(event), key: event.entityId, value: Buffer.from(toBinary(EventSchema, event)) })) });
    }
  } finally {
    await producer.disconnect();
  }
  for (const event of events) next.set(partitionOf(event), (next.get(partitionOf(event)) ?? 0n) + 1n);
}

/** Waits until the service's checkpoint has applied everything `next` says each partition holds. */
async function waitUntilApplied(prefix: string, topic: string, next: ReadonlyMap<number, bigint>): Promise<void> {
  const expected = new Map([...next].map(([partition, offset]) => [partition, Number(offset)]));
  await vi.waitFor(async () => expect(await appliedPerPartition(prefix, topic)).toEqual(expected), { timeout: 180_000, interval: 250 });
}

/** The online values and offline rows of a run, without the checkpoint: the features as a user reads them. */
async function featuresOf(prefix: string, database: string) {
  const { hashes, tables } = await storesOf(prefix, database);
  return { values: Object.fromEntries(Object.entries(hashes).filter(([key]) => !key.startsWith(':{_state}'))), tables };
}

async function stopService(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  expect(exitCode).toBe(0);
}

/** What {@link replayWithPause} replays. */
interface PausedReplay {
  readonly stem: string;
  /** Partitions of the topic; the events go to the first three. */
  readonly partitions: number;
  readonly flights: number;
  /** Wall-clock pause between two replays, once the one before is applied. */
  readonly pauseMs: number;
  /** Events at the end of each replay sent again at the start of the next. */
  readonly copies: number;
}

/**
 * Replays flights through the service (idle timeout 1 s) in three parts with a
 * pause after each (an idle partition is seen caught up at one check, and idle
 * at a check a timeout later), and the same events once each, uninterrupted, through a
 * processor in this process that knows only the partitions with data. Returns
 * both runs' features, their emitted boundaries and the records dead-lettered.
 */
async function replayWithPause(options: PausedReplay) {
  const { stem, partitions, flights, pauseMs, copies } = options;
  const validated = await testTopics.create({ ...topics.eventsValidated, partitions });
  const deadLetters = await testTopics.create(topics.eventsDlq);
  const events = await flightEvents(flights);
  const third = Math.floor(events.length / 3);
  const indexOf = new Map(events.map((event, i) => [event.eventId, i]));
  const partitionOf = (event: Event) => (indexOf.get(event.eventId) as number) % 3;
  const next = new Map<number, bigint>();

  const service = { prefix: unique(`features_${stem}`), database: unique(`fp_${stem}`) };
  const child = startService({
    FEATURES_VALIDATED_TOPIC: validated.name,
    FEATURES_DLQ_TOPIC: deadLetters.name,
    FEATURES_GROUP_ID: unique('features_group'),
    FEATURES_REDIS_PREFIX: service.prefix,
    FEATURES_MAX_BATCH_SIZE: '100',
    FEATURES_IDLE_SOURCE_TIMEOUT_MS: '1000',
    CLICKHOUSE_DATABASE: service.database,
  });
  for (const [from, to] of [[0, third], [third, 2 * third], [2 * third, events.length]] as const) {
    await produceTo(validated.name, [...events.slice(Math.max(0, from - copies), from), ...events.slice(from, to)], partitionOf, next);
    await waitUntilApplied(service.prefix, validated.name, next);
    // Every partition is caught up and quiet for longer than the idle timeout.
    await sleep(pauseMs);
  }
  await stopService(child);

  // Each event once, at the offsets an uninterrupted replay without copies gives it.
  const reference = { prefix: unique(`features_${stem}_reference`), database: unique(`fp_${stem}_reference`) };
  const offsets = new Map<number, bigint>();
  const records: FeatureRecord[] = events.map((event) => {
    const partition = partitionOf(event);
    const offset = offsets.get(partition) ?? 0n;
    offsets.set(partition, offset + 1n);
    return { source: `${validated.name}/${partition}`, offset, event: featureEventOf(event) };
  });
  await processInProcess(records, reference.prefix, reference.database, { sources: [0, 1, 2].map((p) => `${validated.name}/${p}`) });
  const emittedTick = async (prefix: string) => (await redis.hget(`${prefix}:{_state}:meta`, 'tick')) ?? '';
  return {
    deadLettered: await recordsOn(deadLetters.name),
    service: await featuresOf(service.prefix, service.database),
    reference: await featuresOf(reference.prefix, reference.database),
    emittedTicks: [await emittedTick(service.prefix), await emittedTick(reference.prefix)],
  };
}

beforeAll(async () => {
  await clickhouse.ping();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  for (const database of databases) await clickhouse.command({ query: 'DROP DATABASE IF EXISTS {database:Identifier}', query_params: { database } });
  await testTopics.deleteAll();
  redis.disconnect();
  await clickhouse.close();
}, 120_000);

describe('feature-pipeline service', { timeout: 240_000 }, () => {
  it('loses nothing and counts nothing twice when it is killed mid-stream and restarted', async () => {
    const validated = await testTopics.create({ ...topics.eventsValidated, partitions: 3 });
    const deadLetters = await testTopics.create(topics.eventsDlq);
    const events = await flightEvents(4_000);
    const producer = createProducer({ kafka, source: '/tests/feature-pipeline', logger });
    try {
      for (let i = 0; i < events.length; i += 1000) {
        await producer.send(
          validated,
          events.slice(i, i + 1000).map((event) => ({ key: event.entityId, value: event, id: event.eventId, type: event.type, ...(event.eventTime ? { time: timestampDate(event.eventTime) } : {}) })),
        );
      }
    } finally {
      await producer.close();
    }
    const onTopic = await readRecords(kafka, validated.name, events.length, { timeoutMs: 60_000 });
    const perPartition = new Map<number, number>();
    for (const { partition } of onTopic) perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
    const records: FeatureRecord[] = onTopic
      .sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset))
      .map((record) => ({ source: `${validated.name}/${record.partition}`, offset: BigInt(record.offset), event: featureEventOf(fromBinary(EventSchema, record.value as Buffer)) }));

    const reference = { prefix: unique('features_reference'), database: unique('fp_reference') };
    // Partition after partition: the declared partitions hold the watermark, so the order across them does not matter.
    await processInProcess(records, reference.prefix, reference.database, { sources: [...perPartition.keys()].map((p) => `${validated.name}/${p}`) });

    const service = { prefix: unique('features_service'), database: unique('fp_service') };
    const env = {
      FEATURES_VALIDATED_TOPIC: validated.name,
      FEATURES_DLQ_TOPIC: deadLetters.name,
      FEATURES_GROUP_ID: unique('features_group'),
      FEATURES_REDIS_PREFIX: service.prefix,
      FEATURES_MAX_BATCH_SIZE: '100',
      // Far shorter than the time the group takes to give the killed member's partitions to the new one.
      FEATURES_IDLE_SOURCE_TIMEOUT_MS: '1000',
      CLICKHOUSE_DATABASE: service.database,
    };
    const first = startService(env);
    const appliedAtKill = await vi.waitFor(
      async () => {
        const applied = [...(await appliedPerPartition(service.prefix, validated.name)).values()].reduce((a, b) => a + b, 0);
        expect(applied).toBeGreaterThan(0);
        return applied;
      },
      { timeout: 120_000, interval: 25 },
    );
    first.kill('SIGKILL');
    await once(first, 'exit');
    expect(appliedAtKill).toBeLessThan(events.length);

    const second = startService(env);
    await vi.waitFor(
      async () => {
        const applied = await appliedPerPartition(service.prefix, validated.name);
        expect(applied).toEqual(perPartition);
      },
      { timeout: 180_000, interval: 250 },
    );
    await stopService(second);

    // Every partition had a backlog while the new member waited for them: none of it was too late.
    expect(await recordsOn(deadLetters.name)).toBe(0);
    expect(await storesOf(service.prefix, service.database)).toEqual(await storesOf(reference.prefix, reference.database));
  });

  it('gives the stores of an uninterrupted run after pauses longer than every timeout between replays, each repeating the end of the one before', async () => {
    // Each replay starts with the last 300 events of the one before again, as ingestion retrying a batch whose Kafka write had succeeded.
    const run = await replayWithPause({ stem: 'pause', partitions: 3, flights: 3_000, pauseMs: 3_000, copies: 300 });
    expect(run.deadLettered).toBe(0);
    expect(run.reference.tables['airport']?.length).toBeGreaterThan(1000);
    expect(run.service).toEqual(run.reference);
  });

  it('lets windows advance past a partition that has no data at all once it has been quiet for the idle timeout', async () => {
    // Partition 3 of 4 gets nothing; the reference knows only the three with data, the service declared all four.
    const run = await replayWithPause({ stem: 'idle', partitions: 4, flights: 2_000, pauseMs: 1_500, copies: 0 });
    expect(run.deadLettered).toBe(0);
    expect(run.reference.tables['airport']?.length).toBeGreaterThan(1000);
    expect(run.service).toEqual(run.reference);
    // Both emitted up to the same boundary: the empty partition held nothing back at the end.
    expect(run.emittedTicks[0]).toBe(run.emittedTicks[1]);
  });

  it('backfill rebuilds both stores from the raw events table as streaming them would have', async () => {
    const events = await flightEvents(1_500);
    const database = unique('fp_backfill');
    const rawTable = createRawEventStore({ client: clickhouse, database, table: 'events_raw' });
    await rawTable.ensureSchema();
    await rawTable.write(events);
    await rawTable.write(events.slice(0, 100)); // re-ingested copies: read once

    const prefix = unique('features_backfill');
    const config = loadConfig(featurePipelineConfigSchema, { REDIS_URL: redisUrl, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, FEATURES_REDIS_PREFIX: prefix, FEATURES_BACKFILL_BATCH_SIZE: '700' });
    await runBackfillCommand({ config, logger });
    const rebuilt = await storesOf(prefix, database);
    // Running it again rebuilds the same stores, not twice the counts.
    await runBackfillCommand({ config, logger });
    expect(await storesOf(prefix, database)).toEqual(rebuilt);

    const ordered = events.map(featureEventOf).sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const reference = { prefix: unique('features_backfill_reference'), database: unique('fp_backfill_reference') };
    const lastMs = ordered.at(-1)?.timeMs as number;
    await processInProcess(
      ordered.map((event, i) => ({ source: 'backfill', offset: BigInt(i), event })),
      reference.prefix,
      reference.database,
      { sealAtMs: lastMs + 1 },
    );
    const { hashes, tables } = await storesOf(reference.prefix, reference.database);
    expect(rebuilt.tables).toEqual(tables);
    const values = (all: Record<string, unknown>) => Object.fromEntries(Object.entries(all).filter(([key]) => !key.startsWith(':{_state}')));
    expect(values(rebuilt.hashes)).toEqual(values(hashes));
    expect(Object.keys(rebuilt.tables['airport'] ?? []).length).toBeGreaterThan(100);
  });
});
