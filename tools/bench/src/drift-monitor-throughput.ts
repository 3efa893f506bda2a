/**
 * How many predictions per second the drift monitor absorbs, end to end: the
 * real service (apps/drift-monitor from its build) in a namespace of its own,
 * with the registry (apps/registry) holding the model version and its
 * reference profile, fed from topics filled before it starts — every scored
 * flight's `PredictionLog` on the predictions topic, its `flight.departed`
 * and `flight.arrived` on the events topic. Timed from the moment the
 * service says it started until the latest revision of its stored daily
 * windows counts every prediction and every outcome: consumed, decoded,
 * joined in ClickHouse, judged and written. Beside it, a bare kafkajs
 * consumer reads the same predictions topic (no decoding, no work), so the
 * ratio means something on a machine that other work shares.
 *
 * The events are consumed faster than the predictions, so windows close
 * before all their predictions are in; the late-update horizon is set past
 * the whole stream so every window is re-counted until it is complete, as a
 * late prediction would re-report it in production.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { ClickHouseClient } from '@clickhouse/client';
import { ModelRegistryService, PredictionLogSchema, ServingTier, type Event, type PredictionLog, type ReferenceProfile } from '@tributary/contracts';
import { FLIGHT_ARRIVED, FLIGHT_DEPARTED, flightEventId, toEventMessage } from '@tributary/flights';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { freePort } from '@tributary/infra';
import { createKafkaClient, createProducer, ensureTopics, topics, type OutgoingRecord } from '@tributary/kafka';
import type { FeatureMatrix } from '@tributary/ml';
import { createGrpcRegistryClient } from '@tributary/model-registry/client';
import { createLogger } from '@tributary/observability';
import { sha256Hex, timeWindowOf, type TimeRange } from '@tributary/training';
import { Redis } from 'ioredis';
import { deleteKafkaNamespace, deleteKeysWithPrefix } from './bench-cleanup.js';
import type { Measurement } from './results.js';
import { serviceEnv, startService, stopService } from './service-process.js';

const MODEL = 'flight-delay';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const registryMain = fileURLToPath(new URL('../../../apps/registry/dist/main.js', import.meta.url));
const monitorMain = fileURLToPath(new URL('../../../apps/drift-monitor/dist/main.js', import.meta.url));
/** Records per send: 500 predictions with 33 features are about 0.8 MB, under the broker's 1 MB batch limit (one partition: they are keyed by model). */
const RECORDS_PER_SEND = 500;
const TIMEOUT_MS = 20 * 60_000;

/** Scored flights: features, the model's probability, outcome and departure time per row. */
export interface ScoredFlights {
  readonly matrix: FeatureMatrix;
  readonly probabilities: Float64Array;
  readonly labels: Float64Array;
  readonly departureTimesMs: Float64Array;
  /** The reference profile and holdout AUC of the model that scored them. */
  readonly profile: ReferenceProfile;
  readonly holdoutAuc: number;
  /** The rows the model was trained on, for its lineage in the registry. */
  readonly trainingWindow: TimeRange;
}

async function sendAll<T>(send: (batch: T[]) => Promise<unknown>, records: (i: number) => T[], count: number): Promise<void> {
  let batch: T[] = [];
  for (let i = 0; i < count; i++) {
    batch.push(...records(i));
    if (batch.length >= RECORDS_PER_SEND) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
}

/** What the monitor has stored: predictions, and the windows with the predictions and outcomes their latest revisions count. */
interface Stored {
  readonly predictions: number;
  readonly windows: number;
  readonly windowPredictions: number;
  readonly windowOutcomes: number;
}

async function storedCounts(clickhouse: ClickHouseClient, database: string): Promise<Stored> {
  const result = await clickhouse
    .query({
      query: `SELECT (SELECT uniqExact(request_id) FROM ${database}.drift_predictions) AS predictions, count() AS windows, sum(n) AS window_predictions, sum(l) AS window_outcomes FROM (
        SELECT argMax(sample_count, revision) AS n, argMax(labelled_count, revision) AS l FROM ${database}.drift_reports
        GROUP BY model_name, model_version, window_start_ms, window_end_ms)`,
      format: 'JSONEachRow',
    })
    // The tables appear once the service made them.
    .catch(() => undefined);
  const [row] = result === undefined ? [] : await result.json<Record<string, string>>();
  return { predictions: Number(row?.['predictions'] ?? 0), windows: Number(row?.['windows'] ?? 0), windowPredictions: Number(row?.['window_predictions'] ?? 0), windowOutcomes: Number(row?.['window_outcomes'] ?? 0) };
}

/** Records/s of a bare kafkajs consumer reading `topic` from the start until `count` records. */
async function bareConsume(kafka: ReturnType<typeof createKafkaClient>, topic: string, groupId: string, count: number): Promise<number> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0;
  try {
    return await new Promise<number>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`the bare consumer read ${seen} of ${count} records in ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      started = performance.now();
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            seen += batch.messages.length;
            if (seen >= count) {
              clearTimeout(deadline);
              resolve(count / ((performance.now() - started) / 1000));
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Fills the topics with `flights`, starts the registry and the monitor, and
 * measures (see the module comment). Leaves nothing behind: topics, groups,
 * registry keys, the ClickHouse database and the artifact directory go.
 */
export async function measureMonitorThroughput(flights: ScoredFlights, clickhouse: ClickHouseClient): Promise<Measurement[]> {
  const namespace = `benchdrift${randomBytes(4).toString('hex')}`;
  const database = `${namespace}_monitor`;
  const names = { predictions: `${namespace}.predictions.logged`, events: `${namespace}.events.validated` };
  const logger = createLogger({ name: 'bench', level: 'warn' });
  const kafka = createKafkaClient({ clientId: 'bench-drift', logger });
  const redis = new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379');
  const artifactDir = mkdtempSync(join(tmpdir(), 'bench-drift-'));
  const registryPort = await freePort();
  const registryChannel = createGrpcChannel({ address: `127.0.0.1:${registryPort}`, timeoutMs: 60_000 });
  const children: ChildProcess[] = [];
  const count = flights.matrix.rowCount;
  try {
    const predictionsTopic = { ...topics.predictionsLogged, name: names.predictions };
    const eventsTopic = { ...topics.eventsValidated, name: names.events };
    await ensureTopics(kafka, [predictionsTopic, eventsTopic]);

    children.push(await startService(registryMain, 'ready', serviceEnv({ TRIBUTARY_NAMESPACE: namespace, GRPC_PORT: String(registryPort), REGISTRY_ARTIFACT_DIR: artifactDir })));
    const registry = createGrpcRegistryClient(createGrpcClient(ModelRegistryService, registryChannel));
    const artifact = new TextEncoder().encode(`drift benchmark ${namespace}`);
    const { version } = await registry.register(
      {
        modelName: MODEL,
        modelType: 'logistic_regression',
        featureNames: [...flights.matrix.featureNames],
        metrics: { holdout_auc: flights.holdoutAuc },
        lineage: { trainingWindow: timeWindowOf(flights.trainingWindow), featureDefinitionsHash: 'bench', codeVersion: 'bench' },
        referenceProfile: flights.profile,
        artifactSha256: sha256Hex(artifact),
        artifactSizeBytes: BigInt(artifact.length),
        artifactFormat: 'onnx',
        description: 'drift benchmark: the monitor reads its reference profile',
        createdBy: 'bench',
      },
      artifact,
    );

    // Fill both topics before the monitor starts.
    const producer = createProducer({ kafka, source: '/bench/drift', logger });
    await producer.start();
    const filling = performance.now();
    const { featureNames, columns } = flights.matrix;
    const keyOf = (i: number) => `bench-flight-${i}`;
    await sendAll<OutgoingRecord<PredictionLog>>(
      (batch) => producer.send(predictionsTopic, batch),
      (i) => [
        {
          key: MODEL,
          value: create(PredictionLogSchema, {
            requestId: randomUUID(),
            modelName: MODEL,
            modelVersion: version,
            alias: 'champion',
            servedBy: ServingTier.PRIMARY,
            eventId: flightEventId(FLIGHT_DEPARTED, keyOf(i)),
            features: Object.fromEntries(featureNames.map((name, f) => [name, columns[f]?.[i] as number])),
            probability: flights.probabilities[i] as number,
            predictionTime: timestampFromMs(Date.now()),
          }),
        },
      ],
      count,
    );
    await sendAll<OutgoingRecord<Event>>(
      (batch) => producer.send(eventsTopic, batch),
      (i) => {
        const flightKey = keyOf(i);
        const departureTimeMs = flights.departureTimesMs[i] as number;
        const route = { flightKey, origin: 'ORD', destination: 'SFO' };
        return [
          { key: flightKey, value: toEventMessage({ ...route, type: FLIGHT_DEPARTED, eventId: flightEventId(FLIGHT_DEPARTED, flightKey), eventTimeMs: departureTimeMs, departureTimeMs, distanceMiles: 1846 }) },
          {
            key: flightKey,
            value: toEventMessage({
              ...route,
              type: FLIGHT_ARRIVED,
              eventId: flightEventId(FLIGHT_ARRIVED, flightKey),
              eventTimeMs: departureTimeMs + 2 * HOUR_MS,
              departureTimeMs,
              arrivalDelayMinutes: flights.labels[i] === 1 ? 45 : 0,
            }),
          },
        ];
      },
      count,
    );
    await producer.close();
    console.log(`topics filled: ${count} predictions, ${2 * count} flight events in ${((performance.now() - filling) / 1000).toFixed(0)} s`);

    const bareRecordsPerSecond = await bareConsume(kafka, names.predictions, `${namespace}.bare`, count);
    console.log(`bare kafkajs: ${bareRecordsPerSecond.toFixed(0)} records/s`);

    const monitor = await startService(
      monitorMain,
      'drift monitor started',
      serviceEnv({
        TRIBUTARY_NAMESPACE: namespace,
        CLICKHOUSE_DATABASE: database,
        REGISTRY_ADDRESS: `127.0.0.1:${registryPort}`,
        DRIFT_PREDICTIONS_TOPIC: names.predictions,
        DRIFT_EVENTS_TOPIC: names.events,
        DRIFT_WINDOW_SIZE_MS: String(DAY_MS),
        DRIFT_WINDOW_STEP_MS: String(DAY_MS),
        DRIFT_ALLOWED_LATENESS_MS: String(6 * HOUR_MS),
        DRIFT_LATE_UPDATE_HORIZON_MS: String(365 * DAY_MS),
        DRIFT_EVALUATE_INTERVAL_MS: '1000',
      }),
    );
    children.push(monitor);
    const started = performance.now();
    // The last day closes once the watermark passes it: one departure a day later, with no prediction.
    const tick = createProducer({ kafka, source: '/bench/drift', logger });
    const last = flights.departureTimesMs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
    await tick.send(eventsTopic, [{ key: 'bench-watermark', value: toEventMessage({ type: FLIGHT_DEPARTED, eventId: randomUUID(), eventTimeMs: last + DAY_MS, flightKey: 'bench-watermark', origin: 'ORD', destination: 'SFO', departureTimeMs: last + DAY_MS, distanceMiles: 1846 }) }]);
    await tick.close();
    let stored: Stored = { predictions: 0, windows: 0, windowPredictions: 0, windowOutcomes: 0 };
    let predictionsStoredS: number | undefined;
    while (stored.windowPredictions < count || stored.windowOutcomes < count) {
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`the monitor stored windows of ${stored.windowPredictions} of ${count} predictions in ${TIMEOUT_MS / 1000} s`);
      await new Promise((done) => setTimeout(done, 250));
      stored = await storedCounts(clickhouse, database);
      if (predictionsStoredS === undefined && stored.predictions >= count) predictionsStoredS = (performance.now() - started) / 1000;
    }
    const seconds = (performance.now() - started) / 1000;
    const predictionsPerSecond = count / seconds;
    const storedPerSecond = count / (predictionsStoredS ?? seconds);
    console.log(
      `drift monitor: ${count} predictions stored after ${(predictionsStoredS ?? seconds).toFixed(1)} s, ` +
        `in ${stored.windows} stored windows with their outcomes after ${seconds.toFixed(1)} s: ${predictionsPerSecond.toFixed(0)} predictions/s`,
    );
    return [
      { name: 'monitor predictions (topic pre-filled)', value: count, unit: 'predictions' },
      { name: 'monitor daily windows stored', value: stored.windows, unit: 'windows' },
      { name: 'monitor sustained predictions/s', value: predictionsPerSecond, unit: 'predictions/s' },
      { name: 'monitor predictions stored/s (consumed, decoded, in ClickHouse)', value: storedPerSecond, unit: 'predictions/s' },
      { name: 'bare kafkajs consume records/s', value: bareRecordsPerSecond, unit: 'records/s' },
      { name: 'monitor vs bare kafkajs ratio', value: predictionsPerSecond / bareRecordsPerSecond, unit: 'x' },
    ];
  } finally {
    registryChannel.close();
    for (const child of children.reverse()) await stopService(child);
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await deleteKafkaNamespace(kafka, `${namespace}.`);
    await deleteKeysWithPrefix(redis, namespace);
    redis.disconnect();
    rmSync(artifactDir, { recursive: true, force: true });
  }
}
