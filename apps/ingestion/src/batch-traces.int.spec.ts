/**
 * Regression: a batch of `events.raw` was ingested in the batch's own trace,
 * so every event of it reached `events.validated` in that one new trace and
 * the producers' traces ended at ingestion. Each event must go on in the
 * trace of the record it came in, the batch span linking to them all.
 */
import { loadConfig } from '@tributary/config';
import { departedEvent, encodeFlightEvent, readFlights, type Flight } from '@tributary/flights';
import { localClickHouse } from '@tributary/infra/testing';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createTestTopics, readRecords, uniqueName } from '@tributary/kafka/testing';
import { createLogger, withSpan } from '@tributary/observability';
import { startTestTracing, type TestTracing } from '@tributary/observability/testing';
import { createLifecycle } from '@tributary/runtime';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingestionConfigSchema } from './config.js';
import { startIngestion } from './start-ingestion.js';
import { dropTestData } from './testing/test-stores.js';

const logger = createLogger({ name: 'ingestion-batch-traces-spec', level: 'silent' });
const kafka = createKafkaClient({ clientId: 'ingestion-batch-traces-spec', logger });
const testTopics = createTestTopics(kafka);
const suffix = uniqueName('b').replaceAll('-', '_');
const database = `ingestion_traces_${suffix}`;
const keyPrefix = `test:ingestion-traces:${suffix}:`;
const lifecycle = createLifecycle({ logger, signals: [], exit: () => undefined });
const redis = new Redis(process.env['REDIS_URL'] || 'redis://127.0.0.1:6379');
const clickhouse = localClickHouse();
let tracing: TestTracing;

beforeAll(() => {
  tracing = startTestTracing('ingestion');
});

afterAll(async () => {
  await lifecycle.shutdown('test over');
  await tracing.shutdown();
  await testTopics.deleteAll();
  await dropTestData({ clickhouse, redis, database, keyPrefix });
  await Promise.all([redis.quit(), clickhouse.close()]);
});

describe('the ingestion service with several raw records in one batch', () => {
  it('writes each event to events.validated in the trace of the raw record it came in, the batch span linking to each', { timeout: 120_000 }, async () => {
    const [raw, validated, dlq] = await Promise.all([
      testTopics.create(topics.eventsRaw),
      testTopics.create(topics.eventsValidated),
      testTopics.create(topics.eventsDlq),
    ]);
    const flights: Flight[] = [];
    for await (const flight of readFlights({ maxFlights: 4 })) flights.push(flight);
    // Each published in a trace of its own, all under one key (one partition), before ingestion starts: one batch.
    const producer = createProducer({ kafka, source: '/tests/ingestion-traces', logger });
    const traceOf = new Map<string, string>();
    for (const flight of flights) {
      const event = departedEvent(flight);
      const { value, contentType } = encodeFlightEvent(event, 'protobuf');
      const traceId = await withSpan(`publish ${event.eventId}`, async (span) => {
        await producer.send(raw, [{ key: 'one-partition', value, contentType, id: event.eventId }]);
        return span.spanContext().traceId;
      });
      traceOf.set(event.eventId, traceId);
    }
    await producer.close();

    const config = loadConfig(ingestionConfigSchema, {
      ...process.env,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      OPS_HOST: '127.0.0.1',
      OPS_PORT: '0',
      CLICKHOUSE_DATABASE: database,
      INGEST_RAW_TOPIC: raw.name,
      INGEST_VALIDATED_TOPIC: validated.name,
      INGEST_DLQ_TOPIC: dlq.name,
      INGEST_GROUP_ID: uniqueName('ingestion-traces'),
      INGEST_DEDUP_KEY_PREFIX: keyPrefix,
      SERVICE_AUTH_TOKEN: '',
    });
    await startIngestion({ config, lifecycle, logger });
    const records = await readRecords(kafka, validated.name, flights.length, { timeoutMs: 60_000 });
    // The batch span ends once all of the batch is durable, a little after the records are readable.
    await vi.waitFor(() => expect(tracing.spans().some((span) => span.name === `process ${raw.name}`)).toBe(true), { timeout: 30_000 });

    const spans = tracing.spans();
    const batch = spans.find((span) => span.name === `process ${raw.name}`);
    expect(batch?.attributes['messaging.batch.message_count']).toBe(flights.length);
    const published = spans.filter((span) => span.name === `send ${raw.name}`);
    expect(batch?.links.map((link) => link.context.spanId).sort()).toEqual(published.map((span) => span.spanContext().spanId).sort());
    for (const record of records) {
      const [, traceId, spanId] = (record.headers['traceparent'] ?? '').split('-');
      expect(traceId).toBe(traceOf.get(record.headers['ce_id'] ?? ''));
      const created = spans.find((span) => span.spanContext().spanId === spanId);
      expect(created?.name).toBe(`create ${validated.name}`);
      // The create span hangs under the producer's send span of its own raw record.
      const send = published.find((span) => span.spanContext().traceId === traceId);
      expect(created?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    }
    expect(new Set(records.map((record) => record.headers['ce_id']))).toEqual(new Set(traceOf.keys()));
  });
});
