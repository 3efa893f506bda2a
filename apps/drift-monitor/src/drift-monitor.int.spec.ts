/**
 * The loop on the real stack: a trainer and a registry as processes, the
 * monitor in-process, Kafka and ClickHouse for real. The test plays the
 * inference service's part only: it logs predictions of the champion for
 * real flights of 11–12 January whose outcomes it replays on the validated
 * events topic — predictions that understate the late share, as a model
 * calibrated on a calmer month would.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { loadConfig } from '@tributary/config';
import {
  DriftReportSchema,
  ModelLifecycleEventSchema,
  ModelLifecycleEventType,
  ModelRegistryService,
  PredictionLogSchema,
  ServingTier,
  TrainingReason,
  TrainingRequestSchema,
  type DriftReport,
  type ModelLifecycleEvent,
  type ModelVersion,
  type PredictionLog,
} from '@tributary/contracts';
import { arrivedEvent, departedEvent, readFlights, toEventMessage, type Flight } from '@tributary/flights';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { localClickHouse } from '@tributary/infra/testing';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createTestTopics, readRecords, uniqueName } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import { createLifecycle } from '@tributary/runtime';
import { createRandom } from '@tributary/seeded-random';
import { TRAINER_TAGS, timeWindowOf, trainingRequestRecord } from '@tributary/training';
import { startServiceProcess, writeFlightFixtures, type ServiceProcess } from '@tributary/training/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLIGHT_PERIODIC_FEATURES, driftMonitorConfigSchema, type DriftMonitorConfig } from './config.js';
import { startDriftMonitor, type RunningDriftMonitor } from './start-drift-monitor.js';

const logger = createLogger({ name: 'drift-monitor-int-spec', level: 'silent' });
const kafka = createKafkaClient({ clientId: 'drift-monitor-int-spec', logger });
const testTopics = createTestTopics(kafka);
const suffix = uniqueName('d').replaceAll('-', '_');
const database = `drift_loop_test_${suffix}`;
const registryPrefix = `test:drift-loop:${suffix}`;
const MODEL = `flight-delay-${suffix.replaceAll('_', '-').toLowerCase()}`.slice(0, 64);
const clickhouse = localClickHouse();
const lifecycle = createLifecycle({ logger, signals: [], exit: () => undefined });
/** The monitor's second life, after the restart. */
const restartLifecycle = createLifecycle({ logger, signals: [], exit: () => undefined });
const day = (d: number, hour = 0) => Date.UTC(2001, 0, d, hour);
const DAY_MS = 86_400_000;
/** Records per send: one request must stay under the broker's message size limit. */
const SEND_CHUNK = 500;

/** Polls `read` until `done` holds for what it returned. */
async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last seen ${JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))?.slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Every record on a topic so far, decoded (reads until `count` arrive, or what there is after a short wait). */
async function topicValues<T>(topic: string, decode: (bytes: Uint8Array) => T): Promise<T[]> {
  const records = await readRecords(kafka, topic, Number.MAX_SAFE_INTEGER, { timeoutMs: 3000 }).catch((error: unknown) => {
    // readRecords rejects with the records read so far only in its message; read them again with their count.
    const match = /read (\d+) of/.exec(String(error));
    return match ? readRecords(kafka, topic, Number(match[1])) : Promise.reject(error);
  });
  return records.map((record) => decode(record.value as Buffer));
}

/** Feature values as the champion saw them, drawn from its own reference profile: the inputs do not drift, the outcomes do. */
function featureSampler(version: ModelVersion) {
  const random = createRandom(7);
  const profile = version.referenceProfile;
  return (): Record<string, number> => {
    const features: Record<string, number> = {};
    for (const feature of profile?.features ?? []) {
      const { distribution } = feature;
      if (distribution.case === 'numeric' && distribution.value.sample.length > 0) {
        features[feature.featureName] = distribution.value.sample[Math.floor(random() * distribution.value.sample.length)] as number;
      } else if (distribution.case === 'categorical' && distribution.value.categories.length > 0) {
        const total = distribution.value.categories.reduce((sum, c) => sum + c.count, 0);
        let u = random() * total;
        const chosen = distribution.value.categories.find((c) => (u -= c.count) < 0) ?? distribution.value.categories[0];
        features[feature.featureName] = Number(chosen?.category);
      }
    }
    return features;
  };
}

describe('the closed loop: drift monitor → training.requested → trainer → registry', () => {
  let registry: ServiceProcess & { address: string };
  let trainer: ServiceProcess;
  let monitor: RunningDriftMonitor;
  let monitorConfig: DriftMonitorConfig;
  let artifactDirectory: string;
  /** What the first test served, for the second to add late data to: the champion, its feature sampler, the flights of 11–12 January and the first window's alarm. */
  let served: { champion: ModelVersion; sample: () => Record<string, number>; flights: Flight[]; firstAlarm: DriftReport } | undefined;
  const names = {} as Record<'requests' | 'dlq' | 'lifecycle' | 'predictions' | 'events' | 'reports', string>;

  beforeAll(async () => {
    artifactDirectory = await mkdtemp(join(tmpdir(), 'drift-loop-'));
    names.requests = (await testTopics.create(topics.trainingRequested)).name;
    names.dlq = (await testTopics.create(topics.eventsDlq)).name;
    names.lifecycle = (await testTopics.create(topics.modelLifecycle)).name;
    names.predictions = (await testTopics.create(topics.predictionsLogged)).name;
    names.events = (await testTopics.create(topics.eventsValidated)).name;
    names.reports = (await testTopics.create(topics.driftDetected)).name;
    const common = { GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', OPS_HOST: '127.0.0.1', OPS_PORT: '0', SERVICE_AUTH_TOKEN: '', LOG_LEVEL: 'info' };
    const [started] = await Promise.all([
      startServiceProcess({
        entry: new URL('../../registry/src/main.ts', import.meta.url),
        env: { ...common, REGISTRY_KEY_PREFIX: registryPrefix, REGISTRY_ARTIFACT_DIR: artifactDirectory, REGISTRY_LIFECYCLE_TOPIC: names.lifecycle, REGISTRY_APPROVAL_EXEMPT_MODELS: MODEL },
        readyMessage: 'registry serving',
      }),
      // Every 8th real flight of 8–12 January: what the trainer reads labels and features from.
      writeFlightFixtures({ client: clickhouse, database, fromMs: day(8), toMs: day(12), everyNth: 8 }),
    ]);
    registry = { ...started, address: `127.0.0.1:${String(started.ready['grpcPort'])}` };
    trainer = await startServiceProcess({
      entry: new URL('../../trainer/src/main.ts', import.meta.url),
      env: {
        ...common,
        CLICKHOUSE_DATABASE: database,
        TRAINER_REQUESTS_TOPIC: names.requests,
        TRAINER_DLQ_TOPIC: names.dlq,
        TRAINER_GROUP_ID: uniqueName('drift-loop-trainer'),
        REGISTRY_ADDRESS: registry.address,
        // The policy: promote a model that is not worse in AUC; calibration may change (the point of retraining).
        PROMOTION_MIN_AUC_GAIN: '0',
        PROMOTION_MAX_BRIER_INCREASE: '1',
        PROMOTION_MAX_CALIBRATION_ERROR_INCREASE: '1',
      },
      readyMessage: 'trainer consuming',
      timeoutMs: 120_000,
    });
    monitorConfig = loadConfig(driftMonitorConfigSchema, {
      ...process.env,
      ...common,
      CLICKHOUSE_DATABASE: database,
      DRIFT_PREDICTIONS_TOPIC: names.predictions,
      DRIFT_EVENTS_TOPIC: names.events,
      DRIFT_LIFECYCLE_TOPIC: names.lifecycle,
      DRIFT_REPORTS_TOPIC: names.reports,
      DRIFT_TRAINING_TOPIC: names.requests,
      DRIFT_DLQ_TOPIC: names.dlq,
      DRIFT_GROUP_ID: uniqueName('drift-loop-monitor'),
      REGISTRY_ADDRESS: registry.address,
      // Day windows over a slice of every 8th flight (about 1,900 a day).
      DRIFT_WINDOW_SIZE_MS: String(DAY_MS),
      DRIFT_WINDOW_STEP_MS: String(DAY_MS),
      DRIFT_MIN_LABELLED: '500',
      DRIFT_MIN_SAMPLES: '500',
      DRIFT_TRAINING_WINDOW_MS: String(3 * DAY_MS),
      DRIFT_EVALUATE_INTERVAL_MS: '500',
    });
    monitor = await startDriftMonitor({ config: monitorConfig, lifecycle, logger });
  }, 240_000);

  afterAll(async () => {
    await lifecycle.shutdown();
    await restartLifecycle.shutdown();
    await trainer?.stop();
    await registry?.stop();
    await testTopics.deleteAll();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    await clickhouse.close();
    const redis = new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${registryPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    if (artifactDirectory) await rm(artifactDirectory, { recursive: true, force: true });
  }, 60_000);

  it('detects the lost calibration, asks for training once, and the version trained for it is registered with the report id and promoted', async () => {
    const producer = createProducer({ kafka, source: '/tests/drift-loop', logger });
    await producer.start();
    const channel = createGrpcChannel({ address: registry.address });
    const registryClient = createGrpcClient(ModelRegistryService, channel);
    try {
      // The first champion: trained by hand on 8–10 January, deliberately small.
      await producer.send({ ...topics.trainingRequested, name: names.requests }, [
        trainingRequestRecord(
          create(TrainingRequestSchema, {
            requestId: randomUUID(),
            modelName: MODEL,
            reason: TrainingReason.MANUAL,
            requestedBy: 'drift-monitor-int-spec',
            trainingWindow: timeWindowOf({ startMs: day(8), endMs: day(9, 18) }),
            validationWindow: timeWindowOf({ startMs: day(9, 18), endMs: day(10) }),
            holdoutWindow: timeWindowOf({ startMs: day(10), endMs: day(11) }),
            params: { max_rounds: '3' },
          }),
        ),
      ]);
      const champion = await until(
        'first champion',
        async () => (await registryClient.getModelVersion({ modelName: MODEL, selector: { case: 'alias', value: 'champion' } }).catch(() => ({ modelVersion: undefined }))).modelVersion,
        (version) => version !== undefined,
        180_000,
      );
      const firstChampion = champion as ModelVersion;

      // Inference's part: predictions of the champion for the flights of 11 and 12 January, understating the late share
      // (3 % where a fifth of the flights are late); then every departure and arrival, and the morning of the 13th to move the watermark.
      const sample = featureSampler(firstChampion);
      const flights: Flight[] = [];
      let index = 0;
      for await (const flight of readFlights({ fromMs: day(11), toMs: day(13, 12) })) if (index++ % 8 === 0) flights.push(flight);
      const predictions: PredictionLog[] = flights
        .filter((flight) => flight.departureTimeMs < day(13))
        .map((flight) =>
          create(PredictionLogSchema, {
            requestId: randomUUID(),
            modelName: MODEL,
            modelVersion: firstChampion.version,
            alias: 'champion',
            servedBy: ServingTier.PRIMARY,
            predictionTime: timestampFromMs(Date.now()),
            eventId: departedEvent(flight).eventId,
            features: sample(),
            probability: 0.03,
          }),
        );
      for (let i = 0; i < predictions.length; i += SEND_CHUNK) {
        await producer.send({ ...topics.predictionsLogged, name: names.predictions }, predictions.slice(i, i + SEND_CHUNK).map((value) => ({ key: MODEL, value })));
      }
      const events = flights.flatMap((flight) => [departedEvent(flight), arrivedEvent(flight)]).sort((a, b) => a.eventTimeMs - b.eventTimeMs);
      for (let i = 0; i < events.length; i += SEND_CHUNK) {
        await producer.send({ ...topics.eventsValidated, name: names.events }, events.slice(i, i + SEND_CHUNK).map((event) => ({ key: event.flightKey, value: toEventMessage(event) })));
      }

      // Both day windows raise the alarm, with the calibration evidence.
      const reports = await until('two alarms on drift.detected', () => topicValues(names.reports, (bytes) => fromBinary(DriftReportSchema, bytes)), (seen) => new Set(seen.map((r) => r.reportId)).size >= 2, 120_000);
      const [first] = reports.sort((a, b) => Number(a.window?.startTime?.seconds) - Number(b.window?.startTime?.seconds)) as [DriftReport];
      expect(first.window?.startTime?.seconds).toBe(BigInt(day(11) / 1000));
      expect(first.modelVersion).toBe(firstChampion.version);
      const gap = first.reasons.find((reason) => reason.rule === 'calibration_gap');
      expect(gap?.threshold).toBe(0.04);
      expect(first.performance?.observedPositiveShare).toBeGreaterThan(0.1);
      expect(first.performance?.predictedPositiveShare).toBeCloseTo(0.03, 10);
      expect(first.performance?.labelledCount).toBeGreaterThan(500);

      // The trainer registers a version for the monitor's request, with the report id, and the policy promotes it.
      const isRetrained = (event: ModelLifecycleEvent) =>
        event.type === ModelLifecycleEventType.REGISTERED && event.modelVersion?.tags[TRAINER_TAGS.driftReportId] === first.reportId && event.modelVersion.tags[TRAINER_TAGS.role] === 'primary';
      const lifecycleEvents = await until(
        'the retrained version promoted',
        () => topicValues(names.lifecycle, (bytes) => fromBinary(ModelLifecycleEventSchema, bytes)),
        (seen) => {
          const retrained = seen.find(isRetrained);
          return retrained !== undefined && seen.some((e) => e.type === ModelLifecycleEventType.ALIAS_SET && e.alias === 'champion' && e.version === retrained.version);
        },
        300_000,
      );
      const retrained = lifecycleEvents.find(isRetrained)?.modelVersion as ModelVersion;
      expect(retrained.version).toBeGreaterThan(firstChampion.version);
      expect(retrained.lineage?.parentVersion).toBe(firstChampion.version);
      // Its training window is the 3 days up to the end of the window that fired.
      expect(retrained.lineage?.trainingWindow?.startTime?.seconds).toBe(BigInt((day(12) - 3 * DAY_MS) / 1000));

      // Exactly one request: the second alarm found it in flight (or in its cooldown).
      const requests = await topicValues(names.requests, (bytes) => fromBinary(TrainingRequestSchema, bytes));
      const fromMonitor = requests.filter((request) => request.requestedBy === 'drift-monitor');
      expect(fromMonitor.map((request) => request.driftReportId)).toEqual([first.reportId]);
      expect(retrained.lineage?.trainingRequestId).toBe(fromMonitor[0]?.requestId);

      // Forward from the report: the monitor saw the registration and records which version its request produced.
      const lineage = await until('lineage of the report', () => monitor.store.lineage({ reportId: first.reportId }), (rows) => rows[0]?.producedVersion !== undefined, 60_000);
      expect(lineage.map((row) => [row.requestId, row.producedVersion])).toEqual([[fromMonitor[0]?.requestId, retrained.version]]);
      const [stored] = await monitor.store.reports({ reportId: first.reportId });
      expect(stored?.alert).toBe(true);
      served = { champion: firstChampion, sample, flights, firstAlarm: first };

      // And the operators see it: alarms by rule and the latest window's calibration gap on /metrics.
      const text = await (await fetch(`http://127.0.0.1:${monitor.opsPort}/metrics`)).text();
      const metric = (line: RegExp) => Number(text.split('\n').find((l) => line.test(l))?.split(' ').pop());
      expect(metric(new RegExp(`^tributary_drift_alarms_total\\{model="${MODEL}",rule="calibration_gap"\\}`))).toBeGreaterThanOrEqual(2);
      expect(metric(new RegExp(`^tributary_drift_training_requests_total\\{model="${MODEL}",trigger="drift"\\}`))).toBe(1);
      expect(metric(new RegExp(`^tributary_drift_window_calibration_gap\\{model="${MODEL}",version="${firstChampion.version}"\\}`))).toBeGreaterThan(0.04);
    } finally {
      channel.close();
      await producer.close();
    }
  }, 600_000);

  it('publishes no second alarm for late data with the same verdict after a restart that replays the topics, and one when the verdict gains a drifted feature', async () => {
    if (served === undefined) throw new Error('needs the alarms of the previous test');
    const { champion, sample, flights, firstAlarm } = served;
    const reportId = firstAlarm.reportId;
    const alarmsOf = async () => (await topicValues(names.reports, (bytes) => fromBinary(DriftReportSchema, bytes))).filter((report) => report.reportId === reportId);
    const storedReport = async () => (await monitor.store.reports({ reportId }))[0] as DriftReport;
    const alarmsBefore = await alarmsOf();
    const before = await storedReport();

    // The monitor restarts under a new consumer group: it replays every topic from the start (the same rows again) over its stored state.
    await lifecycle.shutdown();
    monitor = await startDriftMonitor({ config: { ...monitorConfig, groupId: uniqueName('drift-loop-monitor-restarted') }, lifecycle: restartLifecycle, logger });

    const producer = createProducer({ kafka, source: '/tests/drift-loop', logger });
    await producer.start();
    try {
      // The first window's flights, by the departure event's time (what the monitor windows by).
      const firstDay = flights.filter((flight) => departedEvent(flight).eventTimeMs < day(12));
      const predict = (count: number, features: () => Record<string, number>) =>
        Array.from({ length: count }, (_, i) =>
          create(PredictionLogSchema, {
            requestId: randomUUID(),
            modelName: MODEL,
            modelVersion: champion.version,
            alias: 'champion',
            servedBy: ServingTier.PRIMARY,
            predictionTime: timestampFromMs(Date.now()),
            eventId: departedEvent(firstDay[i % firstDay.length] as Flight).eventId,
            features: features(),
            probability: 0.03,
          }),
        );
      const send = async (logs: PredictionLog[]) => {
        for (let i = 0; i < logs.length; i += SEND_CHUNK) {
          await producer.send({ ...topics.predictionsLogged, name: names.predictions }, logs.slice(i, i + SEND_CHUNK).map((value) => ({ key: MODEL, value })));
        }
      };

      // Late predictions like the others for the first window: a new revision with the same verdict, and no alarm.
      await send(predict(200, sample));
      const revised = await until('a revision with the late predictions', storedReport, (report) => report.revision > before.revision && report.sampleCount >= before.sampleCount + 200, 120_000);
      expect(revised.alert).toBe(true);
      expect((await alarmsOf()).length).toBe(alarmsBefore.length);

      // Late predictions with one input far outside its reference: the verdict gains feature drift, raised once.
      const feature = champion.referenceProfile?.features.find(
        (f) => f.distribution.case === 'numeric' && f.distribution.value.standardDeviation > 0 && !(f.featureName in FLIGHT_PERIODIC_FEATURES),
      );
      if (feature?.distribution.case !== 'numeric') throw new Error('the champion profiles no numeric feature');
      const { mean, standardDeviation } = feature.distribution.value;
      await send(predict(3000, () => ({ ...sample(), [feature.featureName]: mean + 20 * standardDeviation })));
      await until('every late prediction in the stored report', storedReport, (report) => report.sampleCount >= revised.sampleCount + 3000, 120_000);
      const alarms = await alarmsOf();
      expect(alarms.length).toBe(alarmsBefore.length + 1);
      const grown = alarms[alarms.length - 1] as DriftReport;
      expect(grown.revision).toBeGreaterThan(revised.revision);
      expect(grown.reasons.map((reason) => reason.rule)).toContain('feature_drift');
      expect(grown.features.filter((f) => f.drifted).map((f) => f.featureName)).toContain(feature.featureName);

      // Still the one training request: the alarm fell in the cooldown of the first.
      const requests = await topicValues(names.requests, (bytes) => fromBinary(TrainingRequestSchema, bytes));
      expect(requests.filter((request) => request.requestedBy === 'drift-monitor')).toHaveLength(1);
    } finally {
      await producer.close();
    }
  }, 300_000);
});
