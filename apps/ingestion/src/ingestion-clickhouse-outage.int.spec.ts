import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@tributary/config';
import { arrivedEvent, departedEvent, encodeFlightEvent, readFlights, type Flight } from '@tributary/flights';
import { localClickHouse, localClickHouseUrl } from '@tributary/infra/testing';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createTestTopics, readRecords, uniqueName } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import { createLifecycle } from '@tributary/runtime';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ingestionConfigSchema } from './config.js';
import { startIngestion } from './start-ingestion.js';
import { dropTestData, endOffsets, rawRowsFinal } from './testing/test-stores.js';

const logger = createLogger({ name: 'ingestion-outage-spec', level: 'silent' });
const kafka = createKafkaClient({ clientId: 'ingestion-outage-spec', logger });
const testTopics = createTestTopics(kafka);
const producer = createProducer({ kafka, source: '/tests/ingestion-outage', logger });
const suffix = uniqueName('t').replaceAll('-', '_');
const database = `ingestion_outage_${suffix}`;
const keyPrefix = `test:ingestion-outage:${suffix}:`;
const clickhouseUrl = new URL(localClickHouseUrl());
const redis = new Redis(process.env['REDIS_URL'] || 'redis://127.0.0.1:6379');
const clickhouse = localClickHouse();
const lifecycle = createLifecycle({ logger, signals: [], exit: () => undefined });

/** A TCP proxy to ClickHouse that can be cut: while down it drops every connection, as a dead server would. */
async function startCuttableProxy(): Promise<{ port: number; down: boolean; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { down: false };
  const server: Server = createServer((client) => {
    if (state.down) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(clickhouseUrl.port || 8123), clickhouseUrl.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    get down() {
      return state.down;
    },
    cut() {
      state.down = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      state.down = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

describe('ingestion while ClickHouse fails and recovers', () => {
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>> | undefined;

  afterAll(async () => {
    await lifecycle.shutdown('test over');
    await proxy?.close();
    await producer.close();
    await testTopics.deleteAll();
    await dropTestData({ clickhouse, redis, database, keyPrefix });
    await Promise.all([redis.quit(), clickhouse.close()]);
  });

  it('writes each id to events.validated exactly once although the batch is retried until ClickHouse is back (regression: 67,899 records for 62,223 ids)', async () => {
    proxy = await startCuttableProxy();
    const raw = await testTopics.create(topics.eventsRaw);
    const validated = await testTopics.create(topics.eventsValidated);
    const dlq = await testTopics.create(topics.eventsDlq);
    const config = loadConfig(ingestionConfigSchema, {
      ...process.env,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      OPS_HOST: '127.0.0.1',
      OPS_PORT: '0',
      CLICKHOUSE_URL: `http://127.0.0.1:${proxy.port}`,
      CLICKHOUSE_DATABASE: database,
      INGEST_RAW_TOPIC: raw.name,
      INGEST_VALIDATED_TOPIC: validated.name,
      INGEST_DLQ_TOPIC: dlq.name,
      INGEST_GROUP_ID: uniqueName('ingestion-outage'),
      INGEST_DEDUP_KEY_PREFIX: keyPrefix,
      INGEST_MAX_BATCH_SIZE: '200',
      SERVICE_AUTH_TOKEN: '',
    });
    await startIngestion({ config, lifecycle, logger });
    lifecycle.markReady();

    const flights: Flight[] = [];
    for await (const flight of readFlights({ maxFlights: 500 })) flights.push(flight);
    const events = flights.flatMap((flight) => [departedEvent(flight), arrivedEvent(flight)]);
    // ClickHouse goes away before the events arrive: every batch fails its inserts through the
    // ingestor's retries and the consumer's, while its events.validated write succeeds.
    proxy.cut();
    await producer.send(
      raw,
      events.map((event) => {
        const { value, contentType } = encodeFlightEvent(event, 'protobuf');
        return { key: event.flightKey, value, contentType, id: event.eventId };
      }),
    );
    await sleep(8000);
    expect(await rawRowsFinal(clickhouse, database).catch(() => 0)).toBe(0);
    proxy.restore();

    await vi.waitFor(async () => expect(await rawRowsFinal(clickhouse, database)).toBe(events.length), { timeout: 60_000, interval: 500 });
    // Give any repeated send time to land before counting.
    await sleep(2000);
    const total = await endOffsets(kafka, validated.name);
    const records = await readRecords(kafka, validated.name, total, { timeoutMs: 30_000 });
    const copies = new Map<string, number>();
    for (const record of records) copies.set(record.headers['ce_id'] ?? '', (copies.get(record.headers['ce_id'] ?? '') ?? 0) + 1);
    expect(copies.size).toBe(events.length);
    expect(new Set(copies.keys())).toEqual(new Set(events.map((event) => event.eventId)));
    expect([...copies.values()].filter((count) => count > 1)).toEqual([]);
    expect(total).toBe(events.length);
    expect(await endOffsets(kafka, dlq.name)).toBe(0);
  }, 120_000);
});
