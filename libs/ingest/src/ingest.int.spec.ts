import { randomBytes } from 'node:crypto';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { createClient } from '@clickhouse/client';
import type { Event } from '@tributary/contracts';
import { readFlightEvents, toEventMessage } from '@tributary/flights';
import { createLogger } from '@tributary/observability';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrivedMessage, asJson, asProtobuf, departedMessage, sampleFlight, unknownTypeMessage } from './fixtures/flight-messages.js';
import {
  RejectReason,
  createEventValidator,
  createIngestor,
  createRawEventStore,
  createRedisDeduplicator,
  createSchemaRegistry,
  flightEventSchemas,
  type IngestBatchResult,
  type Ingestor,
  type RawRecord,
} from './index.js';

const suffix = randomBytes(4).toString('hex');
const database = `ingest_test_${suffix}`;
const keyPrefix = `test:ingest:${suffix}:`;
const ttlMs = 600_000;
const redis = new Redis(process.env['REDIS_URL'] || 'redis://127.0.0.1:6379');
const clickhouse = createClient({ url: process.env['CLICKHOUSE_URL'] || 'http://127.0.0.1:8123' });
const logger = createLogger({ name: 'ingest-int-spec', level: 'silent' });
const store = createRawEventStore({ client: clickhouse, database });
const validator = createEventValidator({ registry: createSchemaRegistry(flightEventSchemas) });

function ingestorWithPrefix(prefix: string): Ingestor {
  return createIngestor({ validator, deduplicator: createRedisDeduplicator({ redis, keyPrefix: prefix, ttlMs }), sinks: [store], logger });
}

async function countRows(final: boolean): Promise<number> {
  const result = await clickhouse.query({
    query: `SELECT count() AS n FROM {database:Identifier}.events_raw ${final ? 'FINAL' : ''}`,
    query_params: { database },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string | number }>();
  return Number(row?.n);
}

async function markerKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) keys.push(...batch);
  return keys;
}

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
    for (const prefix of [keyPrefix, `${keyPrefix}expired:`]) {
      const keys = await markerKeys(prefix);
      if (keys.length > 0) await redis.del(...keys);
    }
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

  it('marks every accepted id in Redis with the configured expiry', async () => {
    const keys = await markerKeys(keyPrefix);
    expect(keys.sort()).toEqual(valid.map((e) => keyPrefix + e.eventId).sort());
    const ttl = await redis.pttl(keys[0] as string);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(ttlMs);
  });

  it('writes the same batch processed twice once', async () => {
    const second = await ingestorWithPrefix(keyPrefix).ingestRecords(records);
    expect(second).toMatchObject({ accepted: 0, duplicates: valid.length, rejected: badAt.size });
    expect(await countRows(false)).toBe(valid.length);
    expect(await countRows(true)).toBe(valid.length);
    expect(await markerKeys(keyPrefix)).toHaveLength(valid.length);
  });

  it('collapses a rewrite after the marks expired, read with FINAL', async () => {
    await store.ensureSchema();
    const rewrite = await ingestorWithPrefix(`${keyPrefix}expired:`).ingestEvents(valid);
    expect(rewrite.accepted).toBe(valid.length);
    expect(await countRows(true)).toBe(valid.length);
  });
});
