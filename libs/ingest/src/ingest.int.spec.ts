import { randomBytes } from 'node:crypto';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Event } from '@tributary/contracts';
import { readFlightEvents, toEventMessage } from '@tributary/flights';
import { localClickHouse } from '@tributary/infra/testing';
import { createLogger } from '@tributary/observability';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrivedMessage, asJson, asProtobuf, departedMessage, sampleFlight, unknownTypeMessage } from './testing/flight-messages.js';
import {
  RejectReason,
  createEventValidator,
  createIngestor,
  createRawEventStore,
  createRedisDeduplicator,
  createSchemaRegistry,
  flightEventSchemas,
  InvalidKeyPrefixError,
  type Deduplicator,
  type IngestBatchResult,
  type Ingestor,
  type RawRecord,
} from './index.js';

const suffix = randomBytes(4).toString('hex');
const database = `ingest_test_${suffix}`;
const keyPrefix = `test:ingest:${suffix}:`;
const ttlMs = 600_000;
const redis = new Redis(process.env['REDIS_URL'] || 'redis://127.0.0.1:6379');
const clickhouse = localClickHouse();
const logger = createLogger({ name: 'ingest-int-spec', level: 'silent' });
const store = createRawEventStore({ client: clickhouse, database });
const validator = createEventValidator({ registry: createSchemaRegistry(flightEventSchemas) });

function ingestorWithPrefix(prefix: string): Ingestor {
  return createIngestor({ validator, deduplicator: createRedisDeduplicator({ redis, keyPrefix: prefix, ttlMs }), sinks: [store], logger });
}

async function countRows(final: boolean, table = 'events_raw'): Promise<number> {
  const result = await clickhouse.query({
    query: `SELECT count() AS n FROM {database:Identifier}.{table:Identifier} ${final ? 'FINAL' : ''}`,
    query_params: { database, table },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string | number }>();
  return Number(row?.n);
}

async function countDistinctIds(table: string): Promise<number> {
  const result = await clickhouse.query({
    query: 'SELECT uniqExact(event_id) AS n FROM {database:Identifier}.{table:Identifier}',
    query_params: { database, table },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string | number }>();
  return Number(row?.n);
}

/** The event id of a marker key `<prefix>{<bucket>}<event id>`, and its bucket. */
function parseMarkerKey(prefix: string, key: string): { bucket: number; eventId: string } {
  const match = /^\{(\d+)\}(.*)$/s.exec(key.slice(prefix.length));
  if (!key.startsWith(prefix) || !match) throw new Error(`not a marker key of ${prefix}: ${key}`);
  return { bucket: Number(match[1]), eventId: match[2] as string };
}

/** Every key an id's mark could have, one per bucket (looked up directly: a SCAN of the shared server can take minutes). */
function candidateKeys(prefix: string, eventIds: readonly string[]): string[] {
  return eventIds.flatMap((id) => Array.from({ length: 16 }, (_, bucket) => `${prefix}{${bucket}}${id}`));
}

/** The marker keys that exist for these ids. */
async function markerKeys(prefix: string, eventIds: readonly string[]): Promise<string[]> {
  const keys = candidateKeys(prefix, eventIds);
  const values = await redis.mget(...keys);
  return keys.filter((_, i) => values[i] !== null);
}

const claimIds = Array.from({ length: 40 }, (_, i) => `claim-${i}`);

describe('ingestion against Redis and ClickHouse', () => {
  const valid: Event[] = [];
  let records: RawRecord[];
  const badAt = new Map<number, string>();
  let first: IngestBatchResult;

  beforeAll(async () => {
    for await (const event of readFlightEvents({ maxFlights: 300 })) valid.push(toEventMessage(event));
    const bad: [RawRecord, string][] = [
      [{ value: new TextEncoder().encode('{"eventId": "half a record'), contentType: 'application/json' }, RejectReason.malformed],
      [{ value: asProtobuf(arrivedMessage(sampleFlight({ flightKey: 'absurd', arrivalDelayMinutes: -1116 }))) }, RejectReason.outOfRange],
      [{ value: asJson(unknownTypeMessage()) }, RejectReason.unknownType],
      [{ value: asJson(departedMessage(sampleFlight({ flightKey: 'future', departureTimeMs: Date.now() + 3_600_000 }))) }, RejectReason.futureEventTime],
    ];
    // Valid records alternate between JSON and protobuf; a bad one every 150.
    records = valid.map((event, i) => (i % 2 === 0 ? { value: asJson(event), contentType: 'application/json' } : { value: asProtobuf(event) }));
    bad.forEach(([record, reason], i) => {
      const at = (i + 1) * 150 + i;
      records.splice(at, 0, record);
      badAt.set(at, reason);
    });
    await store.ensureSchema();
    first = await ingestorWithPrefix(keyPrefix).ingestRecords(records);
  });

  afterAll(async () => {
    await clickhouse.command({ query: 'DROP DATABASE IF EXISTS {database:Identifier}', query_params: { database } });
    const ids = valid.map((event) => event.eventId);
    for (const prefix of [keyPrefix, `${keyPrefix}expired:`, `${keyPrefix}crash:`]) await redis.del(...candidateKeys(prefix, ids));
    await redis.del(...candidateKeys(`${keyPrefix}claims:`, [...claimIds, 'claim-new']));
    await Promise.all([redis.quit(), clickhouse.close()]);
  });

  it('rejects malformed, out-of-range, unknown-type and future events with a reason and accepts all around them', () => {
    expect(first).toMatchObject({ accepted: valid.length, duplicates: 0, rejected: badAt.size });
    first.outcomes.forEach((outcome, i) => {
      const reason = badAt.get(i);
      if (reason === undefined) expect(outcome.status).toBe('accepted');
      else expect(outcome).toMatchObject({ status: 'rejected', rejection: { reason } });
    });
  });

  it('writes each accepted event to events_raw once, with its payload as JSON', async () => {
    expect(await countRows(false)).toBe(valid.length);
    const arrival = valid.find((e) => e.payload.case === 'flightArrived') as Event;
    const result = await clickhouse.query({
      query: `SELECT type, entity_id, toUnixTimestamp64Milli(event_time) AS event_time_ms, payload, source
              FROM {database:Identifier}.events_raw WHERE event_id = {id:String}`,
      query_params: { database, id: arrival.eventId },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ type: string; entity_id: string; event_time_ms: string | number; payload: string; source: string }>();
    expect(row).toMatchObject({ type: 'flight.arrived', entity_id: arrival.entityId, source: arrival.source });
    expect(Number(row?.event_time_ms)).toBe(timestampMs(arrival.eventTime!));
    expect(JSON.parse(row?.payload ?? '{}')).toMatchObject({ flightKey: arrival.entityId });
  });

  it('marks every accepted id in Redis as written, once, under a hash tag spread over the buckets, with the configured expiry', async () => {
    const keys = await markerKeys(keyPrefix, valid.map((e) => e.eventId));
    const parsed = keys.map((key) => parseMarkerKey(keyPrefix, key));
    expect(parsed.map((key) => key.eventId).sort()).toEqual(valid.map((e) => e.eventId).sort());
    const buckets = new Set(parsed.map((key) => key.bucket));
    expect(buckets.size).toBeGreaterThan(8);
    expect(new Set(await redis.mget(...keys))).toEqual(new Set(['1']));
    const ttl = await redis.pttl(keys[0] as string);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(ttlMs);
  });

  it('writes the same batch processed twice once', async () => {
    const second = await ingestorWithPrefix(keyPrefix).ingestRecords(records);
    expect(second).toMatchObject({ accepted: 0, duplicates: valid.length, rejected: badAt.size });
    expect(await countRows(false)).toBe(valid.length);
    expect(await countRows(true)).toBe(valid.length);
    expect(await markerKeys(keyPrefix, valid.map((e) => e.eventId))).toHaveLength(valid.length);
  });

  it('collapses a rewrite after the marks expired, read with FINAL', async () => {
    await store.ensureSchema();
    const rewrite = await ingestorWithPrefix(`${keyPrefix}expired:`).ingestEvents(valid);
    expect(rewrite.accepted).toBe(valid.length);
    expect(await countRows(true)).toBe(valid.length);
  });

  it('claims unknown ids as pending in one call, finds them pending until marked, and keeps the claim\'s expiry when marking', async () => {
    const prefix = `${keyPrefix}claims:`;
    const deduplicator = createRedisDeduplicator({ redis, keyPrefix: prefix, ttlMs });
    const ids = claimIds;
    expect(await deduplicator.claim(ids)).toEqual({ seen: new Set(), pending: new Set() });
    const keys = await markerKeys(prefix, ids);
    expect(keys).toHaveLength(ids.length);
    expect(new Set(await redis.mget(...keys))).toEqual(new Set(['p']));
    const claimTtl = await redis.pttl(keys[0] as string);
    expect(claimTtl).toBeGreaterThan(0);

    expect(await deduplicator.claim(ids)).toEqual({ seen: new Set(), pending: new Set(ids) });
    await deduplicator.markSeen(ids.slice(0, 10));
    const third = await deduplicator.claim([...ids, 'claim-new']);
    expect(third).toEqual({ seen: new Set(ids.slice(0, 10)), pending: new Set(ids.slice(10)) });
    const [marked] = await markerKeys(prefix, ['claim-0']);
    expect(marked).toBeDefined();
    expect(await redis.get(marked as string)).toBe('1');
    expect(await redis.pttl(marked as string)).toBeLessThanOrEqual(claimTtl);
  });

  it('refuses a key prefix with braces, which would take the hash tag of the buckets', () => {
    expect(() => createRedisDeduplicator({ redis, keyPrefix: 'tributary:{ingest}:' })).toThrow(InvalidKeyPrefixError);
  });

  it('writes every event once to events_raw, before any merge, when a process dies between the writes and the marks', async () => {
    const table = 'events_raw_crash';
    const crashStore = createRawEventStore({ client: clickhouse, database, table });
    await crashStore.ensureSchema();
    // No merges: a row written twice must stay visible, not be collapsed by the ReplacingMergeTree before the count.
    await clickhouse.command({ query: 'SYSTEM STOP MERGES {database:Identifier}.{table:Identifier}', query_params: { database, table } });
    const redisDeduplicator = createRedisDeduplicator({ redis, keyPrefix: `${keyPrefix}crash:`, ttlMs });
    // Killed after ClickHouse acknowledged the insert and before Redis got the marks: its markSeen never returns.
    const dying: Deduplicator = { claim: (ids) => redisDeduplicator.claim(ids), markSeen: () => Promise.reject(new Error('killed')) };
    const crashed = createIngestor({ validator, deduplicator: dying, sinks: [crashStore], retry: { retries: 0 }, logger });
    await expect(crashed.ingestEvents(valid.slice(0, 200))).rejects.toThrow('killed');
    expect(await countRows(false, table)).toBe(200);

    // The next owner of the records, with the same stores, gets them again and the rest behind them.
    const next = createIngestor({ validator, deduplicator: redisDeduplicator, sinks: [crashStore], logger });
    expect(await next.ingestEvents(valid)).toMatchObject({ accepted: valid.length, duplicates: 0 });
    expect(await countRows(false, table)).toBe(valid.length);
    expect(await countDistinctIds(table)).toBe(valid.length);
    expect(await next.ingestEvents(valid)).toMatchObject({ accepted: 0, duplicates: valid.length });
  });

  it('finds which events events_raw holds, by time range and id', async () => {
    const held = await store.findWritten([...valid.slice(0, 3), departedMessage(sampleFlight({ flightKey: 'never-written' }))]);
    expect(held).toEqual(new Set(valid.slice(0, 3).map((event) => event.eventId)));
  });
});
