/**
 * Feature benchmark on 1M flight events (the first 500k flights, their
 * departures and arrivals in event-time order), against the local Redis and
 * ClickHouse, in this process:
 *
 * 1. engine: the events through the aggregation engine alone (no stores);
 * 2. pipeline: the same events through `createFeatureProcessor` — aggregate,
 *    insert snapshots into ClickHouse, write online values + checkpoint to
 *    Redis — in batches of 5000 spread over 4 sources like topic partitions,
 *    up to 3 batches in flight (one applied while others are written), as the
 *    service's consumer hands them over;
 * 3. online reads: the vector of one airport, and of 100 routes, read
 *    sequentially after the pipeline, once its ClickHouse merges are done
 *    (p50/p99 of each call);
 * 4. training set: 1M labels (every departure at its departure time and 30 min
 *    later; origin, destination and route roles) joined point-in-time;
 * 5. service: the events published to a fresh `events.validated` copy (three
 *    partitions), then the built feature-pipeline service (apps/feature-pipeline/dist)
 *    as its own process, timed from consuming until its checkpoint holds the
 *    last offset of every partition; its CPU time and peak RSS from /proc.
 *
 * CPU time is the process's own; the servers run on the same two cores, so
 * events/s also depends on what else the machine runs. `BENCH_FEATURES_FLIGHTS`
 * changes the slice (default 500000). Keys and databases are removed at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  createAggregationEngine,
  createFeatureProcessor,
  createOfflineStore,
  createOnlineStore,
  entityId,
  flightFeatureSet,
  type FeatureRecord,
} from '@tributary/features';
import { FLIGHT_ARRIVED, FLIGHT_DEPARTED, readFlightEvents, toEventMessage, type FlightEvent } from '@tributary/flights';
import { localClickHouse } from '@tributary/infra/testing';
import { createKafkaClient, createProducer, topics, type TopicDefinition } from '@tributary/kafka';
import { createTestTopics } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import type { Event } from '@tributary/contracts';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from './bench-cleanup.js';
import { percentile, reportResults, type Measurement } from './results.js';
import { cpuSecondsOf, peakRssMbOf, serviceEnv, startService, stopService } from './service-process.js';

const flights = Number(process.env['BENCH_FEATURES_FLIGHTS'] || 500_000);
const sources = ['bench/0', 'bench/1', 'bench/2', 'bench/3'];
const recordsPerBatch = 5000;
const batchesInFlight = 3;
const serviceMain = new URL('../../../apps/feature-pipeline/dist/main.js', import.meta.url);
const logger = createLogger({ name: 'bench-features', level: 'warn' });

/** The slice in columns: cheap to hold, turned into records one batch at a time like a consumer would. */
interface EventColumns {
  readonly length: number;
  readonly timesMs: Float64Array;
  readonly departed: Uint8Array;
  /** Distance (departures) or arrival delay (arrivals). */
  readonly numbers: Float64Array;
  readonly origins: string[];
  readonly destinations: string[];
}

async function loadEvents(): Promise<EventColumns> {
  const capacity = 2 * flights;
  const columns = { timesMs: new Float64Array(capacity), departed: new Uint8Array(capacity), numbers: new Float64Array(capacity), origins: [] as string[], destinations: [] as string[] };
  let n = 0;
  for await (const event of readFlightEvents({ maxFlights: flights })) {
    columns.timesMs[n] = event.eventTimeMs;
    columns.departed[n] = event.type === FLIGHT_DEPARTED ? 1 : 0;
    columns.numbers[n] = event.type === FLIGHT_DEPARTED ? event.distanceMiles : event.arrivalDelayMinutes;
    columns.origins.push(event.origin);
    columns.destinations.push(event.destination);
    n++;
  }
  return { ...columns, length: n };
}

function recordsOf(events: EventColumns, start: number, end: number): FeatureRecord[] {
  const records: FeatureRecord[] = [];
  for (let i = start; i < end; i++) {
    const origin = events.origins[i] as string;
    const destination = events.destinations[i] as string;
    const number = events.numbers[i] as number;
    const departed = events.departed[i] === 1;
    records.push({
      source: sources[i % sources.length] as string,
      offset: BigInt(Math.floor(i / sources.length)),
      event: {
        id: String(i),
        type: departed ? FLIGHT_DEPARTED : FLIGHT_ARRIVED,
        timeMs: events.timesMs[i] as number,
        fields: departed ? { origin, destination, distanceMiles: number } : { origin, destination, arrivalDelayMinutes: number },
      },
    });
  }
  return records;
}

/** Publishes the slice, as `events.validated` messages keyed by flight, 5000 per send. */
async function publish(kafka: ReturnType<typeof createKafkaClient>, topic: TopicDefinition<Event>): Promise<number> {
  const producer = createProducer({ kafka, source: '/bench/features', logger });
  let sent = 0;
  try {
    let pending: FlightEvent[] = [];
    const send = async () => {
      const messages = pending.map((event) => toEventMessage(event));
      pending = [];
      await producer.send(topic, messages.map((event) => ({ key: event.entityId, value: event, id: event.eventId, type: event.type })));
      sent += messages.length;
    };
    for await (const event of readFlightEvents({ maxFlights: flights })) {
      pending.push(event);
      if (pending.length >= recordsPerBatch) await send();
    }
    if (pending.length > 0) await send();
    return sent;
  } finally {
    await producer.close();
  }
}

/** Records the service's checkpoint has applied, summed over partitions. */
async function appliedByService(redis: Redis, prefix: string): Promise<number> {
  const meta = await redis.hgetall(`${prefix}:_state:meta`);
  return Object.entries(meta)
    .filter(([field]) => field.startsWith('source:'))
    .reduce((sum, [, value]) => sum + Number(value.split(',')[0]) + 1, 0);
}

/** Waits (at most a minute) until no merge of the benchmark's tables is running. */
async function mergesSettled(clickhouse: ClickHouseClient, database: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const result = await clickhouse.query({ query: 'SELECT count() AS n FROM system.merges WHERE database = {database:String}', query_params: { database }, format: 'JSONEachRow' });
    const [row] = await result.json<{ n: number | string }>();
    if (Number(row?.n ?? 0) === 0) return;
    await sleep(500);
  }
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

export async function run(): Promise<void> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const prefix = `bench_features_${suffix}`;
  const database = `bench_features_${suffix}`;
  const redisUrl = process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl);
  const processorRedis = new Redis(redisUrl);
  const clickhouse = localClickHouse({ requestTimeoutMs: 300_000 });
  const measurements: Measurement[] = [];
  try {
    const events = await loadEvents();
    console.log(`${events.length} events of ${flights} flights loaded`);

    // 1. The engine alone.
    let started = performance.now();
    let cpu = process.cpuUsage();
    const engine = createAggregationEngine({ featureSet: flightFeatureSet, sources });
    let snapshots = 0;
    for (let i = 0; i < events.length; i += recordsPerBatch) {
      snapshots += engine.apply(recordsOf(events, i, Math.min(events.length, i + recordsPerBatch))).snapshots.length;
      engine.takeChanges();
    }
    const engineSeconds = (performance.now() - started) / 1000;
    measurements.push(
      { name: 'aggregation engine alone', value: Math.round(events.length / engineSeconds), unit: 'events/s' },
      { name: 'aggregation engine CPU per event', value: (cpuSeconds(cpu) / events.length) * 1e6, unit: 'µs' },
      { name: 'snapshots (offline rows) per event', value: snapshots / events.length, unit: 'rows' },
    );

    // 2. The processor: engine + ClickHouse + Redis (online values and checkpoint).
    const onlineStore = createOnlineStore({ redis, featureSet: flightFeatureSet, prefix });
    const offlineStore = createOfflineStore({ client: clickhouse, featureSet: flightFeatureSet, database });
    await offlineStore.ensureSchema();
    const processor = createFeatureProcessor({ featureSet: flightFeatureSet, redis: processorRedis, onlineStore, offlineStore, sources });
    await processor.start();
    started = performance.now();
    cpu = process.cpuUsage();
    // Like the service's consumer with three partitions in flight: a batch is applied while the one before is written.
    const inFlight = new Set<Promise<unknown>>();
    for (let i = 0; i < events.length; i += recordsPerBatch) {
      if (inFlight.size >= batchesInFlight) await Promise.race(inFlight);
      const done = processor.process(recordsOf(events, i, Math.min(events.length, i + recordsPerBatch))).finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
    await Promise.all(inFlight);
    const pipelineSeconds = (performance.now() - started) / 1000;
    measurements.push(
      { name: 'pipeline: aggregation + ClickHouse + Redis', value: Math.round(events.length / pipelineSeconds), unit: 'events/s', target: '≥ 50000' },
      { name: 'pipeline CPU per event (this process)', value: (cpuSeconds(cpu) / events.length) * 1e6, unit: 'µs' },
    );

    // 3. Online reads, one call at a time, once ClickHouse has merged what the pipeline inserted:
    // reads are measured as inference sees them, not while this benchmark's own merges take the CPU.
    await mergesSettled(clickhouse, database);
    const airports = [...new Set(events.origins)];
    const routes = [...new Set(events.origins.map((origin, i) => entityId(origin, events.destinations[i] as string)))];
    // A generous deadline: the point is to measure the latency, not to fail on the tail.
    const read = { asOfMs: events.timesMs[events.length - 1] as number, timeoutMs: 1000 };
    for (let i = 0; i < 500; i++) await onlineStore.get('airport', airports[i % airports.length] as string, read);
    const single: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t = performance.now();
      await onlineStore.get('airport', airports[i % airports.length] as string, read);
      single.push(performance.now() - t);
    }
    const hundred: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const from = (i * 100) % Math.max(1, routes.length - 100);
      const t = performance.now();
      await onlineStore.getMany('route', routes.slice(from, from + 100), read);
      hundred.push(performance.now() - t);
    }
    measurements.push(
      { name: 'online read, 1 entity, p50', value: percentile(single, 50), unit: 'ms' },
      { name: 'online read, 1 entity, p99', value: percentile(single, 99), unit: 'ms', target: '≤ 0.5' },
      { name: 'online read, 100 entities, p50', value: percentile(hundred, 50), unit: 'ms' },
      { name: 'online read, 100 entities, p99', value: percentile(hundred, 99), unit: 'ms', target: '≤ 2' },
    );

    // 4. A point-in-time training set of 1M labels.
    const departures: number[] = [];
    for (let i = 0; i < events.length; i++) if (events.departed[i] === 1) departures.push(i);
    const labelCount = 2 * departures.length;
    const labelTimesMs = new Float64Array(labelCount);
    const labels = new Float64Array(labelCount);
    const origins: string[] = [];
    const destinations: string[] = [];
    const routeIds: string[] = [];
    departures.forEach((i, k) => {
      for (const [copy, laterMs] of [0, 30 * 60_000].entries()) {
        const row = 2 * k + copy;
        labelTimesMs[row] = (events.timesMs[i] as number) + laterMs;
        labels[row] = row % 2;
        origins.push(events.origins[i] as string);
        destinations.push(events.destinations[i] as string);
        routeIds.push(entityId(events.origins[i] as string, events.destinations[i] as string));
      }
    });
    started = performance.now();
    const set = await offlineStore.buildTrainingSet({
      labelTimesMs,
      labels,
      entities: {
        origin: { entityType: 'airport', ids: origins },
        destination: { entityType: 'airport', ids: destinations },
        route: { entityType: 'route', ids: routeIds },
      },
    });
    const trainingSeconds = (performance.now() - started) / 1000;
    const filled = set.columns.reduce((sum, column) => sum + column.reduce((n, v) => n + (Number.isNaN(v) ? 0 : 1), 0), 0) / (set.rowCount * set.columns.length);
    measurements.push(
      { name: `point-in-time training set, ${set.rowCount} labels × ${set.featureNames.length} features`, value: trainingSeconds, unit: 's', target: '≤ 5' },
      { name: 'training set values present (not NaN)', value: filled, unit: 'share' },
      { name: 'peak RSS of this process', value: Math.round(process.resourceUsage().maxRSS / 1024), unit: 'MB' },
    );

    // 5. The service, through Kafka.
    const kafka = createKafkaClient({ clientId: 'bench-features', logger });
    const testTopics = createTestTopics(kafka);
    let service: ChildProcess | undefined;
    try {
      const validated = await testTopics.create(topics.eventsValidated);
      const deadLetters = await testTopics.create(topics.eventsDlq);
      console.log('publishing to events.validated…');
      const published = await publish(kafka, validated);
      service = await startService(serviceMain.pathname, 'feature pipeline started', serviceEnv({
        CLICKHOUSE_DATABASE: `${database}_service`,
        FEATURES_REDIS_PREFIX: `${prefix}_service`,
        FEATURES_VALIDATED_TOPIC: validated.name,
        FEATURES_DLQ_TOPIC: deadLetters.name,
        FEATURES_GROUP_ID: `bench-features-${suffix}`,
      }));
      const pid = service.pid as number;
      const readyMs = performance.now();
      const cpuBefore = cpuSecondsOf(pid);
      while ((await appliedByService(redis, `${prefix}_service`)) < published) await sleep(250);
      const serviceSeconds = (performance.now() - readyMs) / 1000;
      const serviceCpu = cpuSecondsOf(pid) - cpuBefore;
      const peakMb = peakRssMbOf(pid);
      const shutdownMs = await stopService(service);
      service = undefined;
      measurements.push(
        { name: 'feature-pipeline service, events.validated → both stores', value: Math.round(published / serviceSeconds), unit: 'events/s', target: '≥ 50000' },
        { name: 'feature-pipeline service, CPU per event', value: (serviceCpu / published) * 1e6, unit: 'µs' },
        { name: 'feature-pipeline service peak RSS', value: Math.round(peakMb), unit: 'MB' },
        { name: 'feature-pipeline service graceful shutdown', value: Math.round(shutdownMs), unit: 'ms' },
      );
    } finally {
      service?.kill('SIGKILL');
      await testTopics.deleteAll();
    }
    measurements.push({ name: 'machine load average (1 min) at the end, 2 cores', value: loadavg()[0] as number, unit: '' });
  } finally {
    await deleteKeysWithPrefix(redis, prefix);
    for (const name of [database, `${database}_service`]) await clickhouse.command({ query: 'DROP DATABASE IF EXISTS {database:Identifier}', query_params: { database: name } });
    redis.disconnect();
    processorRedis.disconnect();
    await clickhouse.close();
  }
  reportResults('features', measurements);
}
