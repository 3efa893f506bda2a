import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, IngestOutcome, IngestionService, type Event } from '@tributary/contracts';
import { loadConfig } from '@tributary/config';
import { arrivedEvent, departedEvent, encodeFlightEvent, readFlights, replayFlightEvents, toEventMessage, type Flight } from '@tributary/flights';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { localClickHouse } from '@tributary/infra/testing';
import { DeadLetterHeader, createKafkaClient, createProducer, topics, type OutgoingRecord, type TopicDefinition } from '@tributary/kafka';
import { createTestTopics, readRecords, uniqueName } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import { createLifecycle } from '@tributary/runtime';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestionConfigSchema } from './config.js';
import { startIngestion, type RunningIngestion } from './start-ingestion.js';
import { dropTestData, endOffsets, rawRowsFinal } from './testing/test-stores.js';

const logger = createLogger({ name: 'ingestion-int-spec', level: 'silent' });
const kafka = createKafkaClient({ clientId: 'ingestion-int-spec', logger });
const testTopics = createTestTopics(kafka);
const producer = createProducer({ kafka, source: '/tests/ingestion', logger });
const suffix = uniqueName('t').replaceAll('-', '_');
const database = `ingestion_test_${suffix}`;
const keyPrefix = `test:ingestion:${suffix}:`;
const groupId = uniqueName('ingestion-test');
const lifecycle = createLifecycle({ logger, signals: [], exit: () => undefined });
const redis = new Redis(process.env['REDIS_URL'] || 'redis://127.0.0.1:6379');
const clickhouse = localClickHouse();

/** The service's configuration: the environment's servers, this test's names, ports picked by the system. */
function testConfig(ingestionTopics: IngestionTopics) {
  return loadConfig(ingestionConfigSchema, {
    ...process.env,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    OPS_HOST: '127.0.0.1',
    OPS_PORT: '0',
    CLICKHOUSE_DATABASE: database,
    INGEST_RAW_TOPIC: ingestionTopics.raw.name,
    INGEST_VALIDATED_TOPIC: ingestionTopics.validated.name,
    INGEST_DLQ_TOPIC: ingestionTopics.dlq.name,
    INGEST_GROUP_ID: groupId,
    INGEST_DEDUP_KEY_PREFIX: keyPrefix,
    INGEST_MAX_BATCH_SIZE: '150',
    SERVICE_AUTH_TOKEN: '',
  });
}

/** Polls until `check` returns true, or fails after `timeoutMs`. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function committedOffsets(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The unique topics of this test. */
interface IngestionTopics {
  readonly raw: TopicDefinition<Uint8Array>;
  readonly validated: TopicDefinition<Event>;
  readonly dlq: TopicDefinition<Uint8Array>;
}

function rawRecord(value: Uint8Array, contentType: string, key: string): OutgoingRecord<Uint8Array> {
  return { key, value, contentType };
}

describe('the ingestion service on Kafka, Redis and ClickHouse', () => {
  let ingestionTopics: IngestionTopics;
  let running: RunningIngestion;
  const flights: Flight[] = [];
  const validIds = new Set<string>();
  const badReasons = new Map<string, string>();

  async function publishSlice(): Promise<void> {
    await replayFlightEvents({
      maxFlights: flights.length,
      batchSize: 100,
      send: async (events) => {
        const records = events.map((event) => {
          const { value, contentType } = encodeFlightEvent(event, event.type === 'flight.departed' ? 'json' : 'protobuf');
          return { ...rawRecord(value, contentType, event.flightKey), id: event.eventId };
        });
        await producer.send(ingestionTopics.raw, records);
      },
    });
  }

  async function publishBad(): Promise<void> {
    const sample = flights[0] as Flight;
    const absurd = arrivedEvent({ ...sample, flightKey: `absurd-${suffix}`, arrivalDelayMinutes: -1116 });
    const unknown = create(EventSchema, { ...toEventMessage(departedEvent(sample)), eventId: `unknown-${suffix}`, type: 'flight.cancelled' });
    const future = departedEvent({ ...sample, flightKey: `future-${suffix}`, departureTimeMs: Date.now() + 86_400_000 });
    const bad: [OutgoingRecord<Uint8Array>, string][] = [
      [rawRecord(new TextEncoder().encode('{"eventId": "cut off'), 'application/json', 'malformed'), 'decode.malformed'],
      [rawRecord(encodeFlightEvent(absurd, 'json').value, 'application/json', absurd.flightKey), 'schema.out_of_range'],
      [rawRecord(toBinary(EventSchema, unknown), 'application/protobuf', unknown.entityId), 'type.unknown'],
      [rawRecord(encodeFlightEvent(future, 'protobuf').value, 'application/protobuf', future.flightKey), 'time.future'],
    ];
    for (const [record, reason] of bad) badReasons.set(record.key as string, reason);
    await producer.send(ingestionTopics.raw, bad.map(([record]) => record));
  }

  beforeAll(async () => {
    for await (const flight of readFlights({ maxFlights: 200 })) flights.push(flight);
    for (const flight of flights) {
      validIds.add(departedEvent(flight).eventId);
      validIds.add(arrivedEvent(flight).eventId);
    }
    ingestionTopics = {
      raw: await testTopics.create(topics.eventsRaw),
      validated: await testTopics.create(topics.eventsValidated),
      dlq: await testTopics.create(topics.eventsDlq),
    };
    running = await startIngestion({ config: testConfig(ingestionTopics), lifecycle, logger });
    lifecycle.markReady();
    await publishSlice();
    await publishBad();
  });

  afterAll(async () => {
    await lifecycle.shutdown('test over');
    await producer.close();
    await testTopics.deleteAll();
    await dropTestData({ clickhouse, redis, database, keyPrefix });
    await Promise.all([redis.quit(), clickhouse.close()]);
  });

  it('sends every valid event to events.validated and the bad ones to events.dlq with a reason', async () => {
    const validated = await readRecords(kafka, ingestionTopics.validated.name, validIds.size, { timeoutMs: 60_000 });
    expect(new Set(validated.map((r) => r.headers['ce_id']))).toEqual(validIds);
    const dead = await readRecords(kafka, ingestionTopics.dlq.name, badReasons.size, { timeoutMs: 60_000 });
    expect(new Map(dead.map((r) => [r.key, r.headers[DeadLetterHeader.reason]]))).toEqual(badReasons);
    for (const record of dead) {
      expect(record.headers).toMatchObject({ dlq_source_topic: ingestionTopics.raw.name, dlq_consumer_group: groupId, dlq_error_code: 'InvalidArgument' });
      expect(record.headers['dlq_error']).toBeTruthy();
    }
  });

  it('writes every valid event to the ClickHouse raw table once', async () => {
    await waitFor('the raw table', async () => (await rawRowsFinal(clickhouse, database)) >= validIds.size);
    expect(await rawRowsFinal(clickhouse, database)).toBe(validIds.size);
  });

  it('writes nothing new when the same events are replayed', async () => {
    await publishSlice();
    await waitFor('the replay to be consumed', async () => (await committedOffsets(ingestionTopics.raw.name)) === (await endOffsets(kafka, ingestionTopics.raw.name)));
    expect(await endOffsets(kafka, ingestionTopics.validated.name)).toBe(validIds.size);
    expect(await rawRowsFinal(clickhouse, database)).toBe(validIds.size);
  });

  it('ingests over gRPC, unary and client-streaming, with an outcome per event', async () => {
    const channel = createGrpcChannel({ address: `127.0.0.1:${running.grpcPort}`, timeoutMs: 30_000 });
    try {
      const client = createGrpcClient(IngestionService, channel);
      const fresh = toEventMessage(departedEvent({ ...(flights[0] as Flight), flightKey: `grpc-${suffix}` }));
      const replayed = toEventMessage(departedEvent(flights[1] as Flight));
      const invalid: Event = { ...fresh, eventId: `grpc-invalid-${suffix}`, eventTime: timestampFromMs(Date.now() + 86_400_000) };
      const { results } = await client.ingest({ events: [fresh, replayed, invalid] });
      expect(results.map((r) => [r.eventId, r.outcome, r.reason])).toEqual([
        [fresh.eventId, IngestOutcome.ACCEPTED, ''],
        [replayed.eventId, IngestOutcome.DUPLICATE, ''],
        [invalid.eventId, IngestOutcome.REJECTED, 'time.future'],
      ]);

      async function* batches() {
        yield { events: [fresh, invalid] };
        yield { events: [toEventMessage(arrivedEvent({ ...(flights[0] as Flight), flightKey: `grpc-${suffix}` }))] };
      }
      const totals = await client.ingestStream(batches());
      expect(totals).toMatchObject({ acceptedCount: 1, duplicateCount: 1, rejectedCount: 1 });
      expect(totals.rejected.map((r) => r.reason)).toEqual(['time.future']);
    } finally {
      channel.close();
    }
  });

  it('reports readiness and the ingestion metrics on the ops server', async () => {
    const base = `http://127.0.0.1:${running.opsPort}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/tributary_ingest_events_accepted_total\{type="flight.departed"\} \d+/);
    expect(metrics).toMatch(/tributary_ingest_events_rejected_total\{reason="schema.out_of_range"\} \d+/);
    expect(metrics).toMatch(/tributary_ingest_events_duplicate_total\{type="flight.arrived"\} \d+/);
  });
});
