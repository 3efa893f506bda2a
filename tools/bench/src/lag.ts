/**
 * End-to-end lag, event → online feature: flights replayed into a fresh
 * `events.raw` copy at a steady rate, through the built ingestion and
 * feature-pipeline services (each its own process), until the online store
 * in Redis shows the features.
 *
 * Windows are in event time: a value for the boundary B is written once the
 * pipeline's watermark passes B + the allowed lateness, i.e. once an event
 * that late in event time has arrived. The lag measured is therefore from
 * the moment the first event with time ≥ B + lateness was published to the
 * moment the busiest airport's hash in Redis holds the values for B: the
 * time the system itself adds. (Live, event time is the wall clock, so the
 * lateness and up to one bucket are added on top by design.)
 *
 * `BENCH_LAG_RATE` (events/s, default 5000) and `BENCH_LAG_SECONDS`
 * (default 30) set the load. Topics, databases and keys are removed after.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createOnlineStore, flightFeatureSet } from '@tributary/features';
import { encodeFlightEvent, replayFlightEvents } from '@tributary/flights';
import { localClickHouse } from '@tributary/infra/testing';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createTestTopics } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from './bench-cleanup.js';
import { percentile, reportResults } from './results.js';
import { cpuSecondsOf, peakRssMbOf, serviceEnv, startService, stopService } from './service-process.js';

const rate = Number(process.env['BENCH_LAG_RATE'] || 5000);
const seconds = Number(process.env['BENCH_LAG_SECONDS'] || 30);
const batchesPerSecond = 50;
const allowedLatenessMs = 60_000;
/** Polled for its latest values: it has flights nearly every minute, so nearly every boundary writes it. */
const probeAirport = 'ORD';
const pollMs = 2;
const logger = createLogger({ name: 'bench-lag', level: 'warn' });
const mainOf = (app: string) => fileURLToPath(new URL(`../../../apps/${app}/dist/main.js`, import.meta.url));

/** A published batch: when it was handed to the producer and the latest event time in it. */
interface Published {
  readonly atMs: number;
  readonly maxEventTimeMs: number;
}

/** The first batch whose events make boundary `boundaryMs` due (an event at or past it + lateness). */
function firstDueBatch(published: readonly Published[], boundaryMs: number): Published | undefined {
  let low = 0;
  let high = published.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((published[mid] as Published).maxEventTimeMs >= boundaryMs + allowedLatenessMs) high = mid;
    else low = mid + 1;
  }
  return published[low];
}

export async function run(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const database = `bench_lag_${suffix}`;
  const featurePrefix = `bench_lag_${suffix}`;
  const redisUrl = process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl);
  const clickhouse = localClickHouse();
  const kafka = createKafkaClient({ clientId: 'bench-lag', logger });
  const testTopics = createTestTopics(kafka);
  const services: ChildProcess[] = [];
  try {
    const [raw, validated, dlq] = await Promise.all([
      testTopics.create(topics.eventsRaw),
      testTopics.create(topics.eventsValidated),
      testTopics.create(topics.eventsDlq),
    ]);
    services.push(
      await startService(mainOf('ingestion'), 'ingestion started', serviceEnv({
        CLICKHOUSE_DATABASE: database,
        INGEST_RAW_TOPIC: raw.name,
        INGEST_VALIDATED_TOPIC: validated.name,
        INGEST_DLQ_TOPIC: dlq.name,
        INGEST_GROUP_ID: `bench-lag-ingestion-${suffix}`,
        INGEST_DEDUP_KEY_PREFIX: `${featurePrefix}:seen:`,
        INGEST_DEDUP_TTL_MS: '3600000',
      })),
      await startService(mainOf('feature-pipeline'), 'feature pipeline started', serviceEnv({
        CLICKHOUSE_DATABASE: database,
        FEATURES_REDIS_PREFIX: featurePrefix,
        FEATURES_VALIDATED_TOPIC: validated.name,
        FEATURES_DLQ_TOPIC: dlq.name,
        FEATURES_GROUP_ID: `bench-lag-features-${suffix}`,
        FEATURES_ALLOWED_LATENESS_MS: String(allowedLatenessMs),
      })),
    );
    const cpuBefore = services.map((service) => cpuSecondsOf(service.pid as number));

    const onlineStore = createOnlineStore({ redis, featureSet: flightFeatureSet, prefix: featurePrefix });
    const published: Published[] = [];
    const lagsMs: number[] = [];
    let publishing = true;
    const polling = (async () => {
      let seenBoundaryMs = Number.NEGATIVE_INFINITY;
      // Until the last boundary the replay can make due has been seen, or 30 s after publishing ends.
      let deadlineMs = Number.POSITIVE_INFINITY;
      while (performance.now() < deadlineMs) {
        if (!publishing && deadlineMs === Number.POSITIVE_INFINITY) deadlineMs = performance.now() + 30_000;
        const vector = await onlineStore.get('airport', probeAirport, { timeoutMs: 1000 });
        const nowMs = performance.now();
        // Each value's time is the boundary it was taken at (TTLs do not matter here).
        const boundaryMs = Math.max(...Object.values<number>(vector.eventTimesMs).filter(Number.isFinite));
        if (boundaryMs > seenBoundaryMs) {
          seenBoundaryMs = boundaryMs;
          const due = firstDueBatch(published, boundaryMs);
          if (due) lagsMs.push(nowMs - due.atMs);
          const last = published[published.length - 1];
          if (!publishing && last && boundaryMs + allowedLatenessMs + 60_000 > last.maxEventTimeMs) break;
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    })();

    const producer = createProducer({ kafka, source: '/bench/lag', logger });
    const replayed = await replayFlightEvents({
      maxFlights: Math.ceil((rate * seconds) / 2),
      eventsPerSecond: rate,
      batchSize: Math.max(1, Math.round(rate / batchesPerSecond)),
      send: async (events) => {
        const records = events.map((event) => ({ event, ...encodeFlightEvent(event, 'protobuf') }));
        published.push({ atMs: performance.now(), maxEventTimeMs: Math.max(...events.map((event) => event.eventTimeMs)) });
        await producer.send(raw, records.map(({ event, value, contentType }) => ({ key: event.flightKey, value, contentType, id: event.eventId, type: event.type })));
      },
    });
    publishing = false;
    await producer.close();
    await polling;

    const cpu = services.map((service, i) => cpuSecondsOf(service.pid as number) - (cpuBefore[i] as number));
    const peaks = services.map((service) => peakRssMbOf(service.pid as number));
    await Promise.all(services.splice(0).map((service) => stopService(service)));
    reportResults('lag', [
      { name: 'replay rate (offered)', value: rate, unit: 'events/s' },
      { name: 'replay rate (achieved)', value: Math.round(replayed.events / (replayed.elapsedMs / 1000)), unit: 'events/s' },
      { name: 'boundaries observed', value: lagsMs.length, unit: 'boundaries' },
      { name: 'lag, event → online feature, p50', value: percentile(lagsMs, 50), unit: 'ms' },
      { name: 'lag, event → online feature, p99', value: percentile(lagsMs, 99), unit: 'ms' },
      { name: 'lag, event → online feature, max', value: Math.max(...lagsMs), unit: 'ms' },
      { name: 'ingestion CPU per event', value: ((cpu[0] as number) / replayed.events) * 1e6, unit: 'µs' },
      { name: 'feature-pipeline CPU per event', value: ((cpu[1] as number) / replayed.events) * 1e6, unit: 'µs' },
      { name: 'ingestion peak RSS', value: Math.round(peaks[0] as number), unit: 'MB' },
      { name: 'feature-pipeline peak RSS', value: Math.round(peaks[1] as number), unit: 'MB' },
    ]);
  } finally {
    for (const service of services) service.kill('SIGKILL');
    await Promise.allSettled([
      testTopics.deleteAll(),
      clickhouse.command({ query: 'DROP DATABASE IF EXISTS {database:Identifier}', query_params: { database } }),
      deleteKeysWithPrefix(redis, featurePrefix),
    ]);
    await Promise.allSettled([redis.quit(), clickhouse.close()]);
  }
}
