import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  ModelLifecycleEventSchema,
  ModelLifecycleEventType,
  PredictionLogSchema,
  ServingTier,
  TrainingReason,
  type DriftReport,
  type PredictionLog,
  type TrainingRequest,
} from '@tributary/contracts';
import { localClickHouse } from '@tributary/infra/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriftMonitor, createDriftMonitorStore, type DriftMonitor, type DriftMonitorOptions, type FlightObservation } from './index.js';
import { scoredRows, scoredRowsProfile } from './testing/scored-rows.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2001, 4, 1);
const MODEL = 'flight-delay';
const clickhouse = localClickHouse();
const database = `drift_monitor_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const store = createDriftMonitorStore({ client: clickhouse, database });
const profile = scoredRowsProfile(scoredRows({ count: 20_000, seed: 1 }));

/** A day of served flights: predictions logged by "inference", departures, and (unless withheld) arrivals one hour later. */
function day(index: number, seed: number, shift: { delayShift?: number; outcomeShift?: number } = {}) {
  const rows = scoredRows({ count: 2000, seed, ...shift });
  const predictions: PredictionLog[] = [];
  const departures: FlightObservation[] = [];
  const arrivals: FlightObservation[] = [];
  for (let i = 0; i < rows.rowCount; i++) {
    const departedEventId = randomUUID();
    const departureTimeMs = T0 + index * DAY + Math.floor((i * DAY) / rows.rowCount);
    predictions.push(
      create(PredictionLogSchema, {
        requestId: randomUUID(),
        modelName: MODEL,
        modelVersion: 1,
        alias: 'champion',
        servedBy: ServingTier.PRIMARY,
        eventId: departedEventId,
        features: { delay_mean: rows.features.delay_mean[i] as number, distance: rows.features.distance[i] as number, origin_code: rows.features.origin_code[i] as number },
        probability: rows.probabilities[i] as number,
        predictionTime: timestampFromMs(Date.now()),
      }),
    );
    departures.push({ departedEventId, departureTimeMs, eventTimeMs: departureTimeMs });
    arrivals.push({ departedEventId, departureTimeMs, eventTimeMs: departureTimeMs + HOUR, outcome: rows.outcomes[i] === 1 ? 1 : 0 });
  }
  return { predictions, departures, arrivals };
}

/** A departure alone, to move the watermark. */
const tick = (timeMs: number): FlightObservation => ({ departedEventId: randomUUID(), departureTimeMs: timeMs, eventTimeMs: timeMs });

describe('createDriftMonitor() on ClickHouse', () => {
  const published: DriftReport[] = [];
  const requests: TrainingRequest[] = [];
  const monitorOptions: DriftMonitorOptions = {
    store,
    references: { get: async (model, version) => (model === MODEL && version === 1 ? { profile, holdoutAuc: 0.62 } : undefined) },
    outputs: {
      publishReport: async (report) => void published.push(report),
      requestTraining: async (request) => void requests.push(request),
    },
    windows: { sizeMs: DAY },
    allowedLatenessMs: 2 * HOUR,
    policy: { cooldownMs: 3 * DAY },
    trainingWindowMs: 14 * DAY,
  };
  let monitor: DriftMonitor;

  beforeAll(async () => {
    await store.ensureSchema();
    monitor = createDriftMonitor(monitorOptions);
  }, 60_000);

  afterAll(async () => {
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await clickhouse.close();
  });

  async function replay(data: ReturnType<typeof day>, options: { withholdArrivalsFrom?: number } = {}) {
    await monitor.recordPredictions(data.predictions);
    await monitor.recordFlights([...data.departures, ...data.arrivals.slice(0, options.withholdArrivalsFrom)]);
  }

  it('reports a calm window without an alarm', async () => {
    await replay(day(0, 2));
    await monitor.recordFlights([tick(T0 + DAY + 3 * HOUR)]);
    const reports = await monitor.evaluate();
    expect(reports.map((r) => [r.modelVersion, r.sampleCount, r.alert])).toEqual([[1, 2000, false]]);
    expect(reports[0]?.performance?.labelledCount).toBe(2000);
    expect(published).toEqual([]);
    expect(requests).toEqual([]);
  }, 60_000);

  it('raises an alarm with the evidence on shifted windows and asks for training once', async () => {
    await replay(day(1, 3, { delayShift: 2, outcomeShift: 0.08 }));
    await replay(day(2, 4, { delayShift: 2, outcomeShift: 0.08 }));
    await monitor.recordFlights([tick(T0 + 3 * DAY + 3 * HOUR)]);
    const reports = await monitor.evaluate();
    expect(reports).toHaveLength(2);
    for (const report of reports) {
      expect(report.alert).toBe(true);
      expect(report.features.filter((f) => f.drifted).map((f) => f.featureName)).toEqual(['delay_mean']);
      expect(report.reasons.map((r) => r.rule)).toEqual(expect.arrayContaining(['calibration_gap', 'feature_drift']));
      const gap = report.reasons.find((r) => r.rule === 'calibration_gap');
      expect(gap?.threshold).toBe(0.04);
      expect(gap?.value).toBeGreaterThan(0.04);
    }
    expect(published.map((r) => r.reportId)).toEqual(reports.map((r) => r.reportId));
    // The second shifted window finds the first request in flight: one request.
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({ modelName: MODEL, reason: TrainingReason.DRIFT_DETECTED, driftReportId: reports[0]?.reportId, requestedBy: 'drift-monitor' });
    expect(Number(request?.trainingWindow?.endTime?.seconds) * 1000).toBe(T0 + 2 * DAY);
    expect(Number(request?.trainingWindow?.startTime?.seconds) * 1000).toBe(T0 + 2 * DAY - 14 * DAY);
  }, 60_000);

  it('honours the cooldown once the trainer registered the version, and records the lineage', async () => {
    const requestId = requests[0]?.requestId as string;
    await monitor.recordLifecycle([
      create(ModelLifecycleEventSchema, {
        type: ModelLifecycleEventType.REGISTERED,
        modelName: MODEL,
        version: 2,
        modelVersion: { modelName: MODEL, version: 2, lineage: { trainingRequestId: requestId }, tags: { role: 'primary' } },
      }),
    ]);
    await replay(day(3, 5, { delayShift: 2, outcomeShift: 0.08 }));
    await monitor.recordFlights([tick(T0 + 4 * DAY + 3 * HOUR)]);
    const [report] = await monitor.evaluate();
    expect(report?.alert).toBe(true);
    // Day 4 ends 2 days after the request's window: inside the 3-day cooldown.
    expect(requests).toHaveLength(1);
    const lineage = await store.lineage({ reportId: requests[0]?.driftReportId as string });
    expect(lineage.map((l) => [l.requestId, l.producedVersion])).toEqual([[requestId, 2]]);
  }, 60_000);

  it('updates a window with its late outcomes, in a new revision of its stored row', async () => {
    const data = day(4, 6);
    await replay(data, { withholdArrivalsFrom: 1000 });
    await monitor.recordFlights([tick(T0 + 5 * DAY + 3 * HOUR)]);
    const [first] = await monitor.evaluate();
    expect([first?.revision, first?.sampleCount, first?.performance?.labelledCount]).toEqual([0, 2000, 1000]);
    await monitor.recordFlights(data.arrivals.slice(1000));
    const [updated] = await monitor.evaluate();
    expect([updated?.reportId, updated?.revision, updated?.performance?.labelledCount]).toEqual([first?.reportId, 1, 2000]);
    const [stored] = await store.reports({ reportId: first?.reportId as string });
    expect([stored?.revision, stored?.performance?.labelledCount]).toEqual([1, 2000]);
  }, 60_000);

  it('carries on after a restart without reporting a window twice or losing one', async () => {
    const before = await store.reports({ modelName: MODEL });
    const restarted = createDriftMonitor(monitorOptions);
    expect(await restarted.evaluate()).toEqual([]);
    const data = day(5, 7);
    await restarted.recordPredictions(data.predictions);
    await restarted.recordFlights([...data.departures, ...data.arrivals, tick(T0 + 6 * DAY + 3 * HOUR)]);
    const reports = await restarted.evaluate();
    expect(reports.map((r) => [r.revision, r.sampleCount])).toEqual([[0, 2000]]);
    const after = await store.reports({ modelName: MODEL });
    expect(after.map((r) => r.reportId)).toEqual([reports[0]?.reportId, ...before.map((r) => r.reportId)]);
    // A replayed batch (a restart re-reading from its committed offsets) changes nothing.
    await restarted.recordPredictions(data.predictions);
    await restarted.recordFlights(data.arrivals);
    expect(await restarted.evaluate()).toEqual([]);
  }, 60_000);

  it('alarms once per verdict: not again for late outcomes after a restart, again when a drifted feature joins', async () => {
    const alarmsBefore = published.length;
    const data = day(6, 9, { outcomeShift: 0.08 });
    const first = createDriftMonitor(monitorOptions);
    await first.recordPredictions(data.predictions);
    await first.recordFlights([...data.departures, ...data.arrivals.slice(0, 1000), tick(T0 + 7 * DAY + 3 * HOUR)]);
    const [opened] = await first.evaluate();
    expect([opened?.revision, opened?.performance?.labelledCount, opened?.reasons.map((r) => r.rule)]).toEqual([0, 1000, ['calibration_gap']]);
    expect(published.slice(alarmsBefore).map((r) => [r.reportId, r.revision])).toEqual([[opened?.reportId, 0]]);

    // A new process (its verdict reloaded from the stored row) takes the late outcomes in: a new revision, the same verdict, no alarm.
    const restarted = createDriftMonitor(monitorOptions);
    await restarted.recordFlights(data.arrivals.slice(1000));
    const [revised] = await restarted.evaluate();
    expect([revised?.reportId, revised?.revision, revised?.performance?.labelledCount, revised?.alert]).toEqual([opened?.reportId, 1, 2000, true]);
    expect(revised?.reasons.map((r) => r.rule)).toEqual(['calibration_gap']);
    expect(published.slice(alarmsBefore)).toHaveLength(1);

    // Late predictions with a shifted delay_mean for the same window: the verdict gains feature (and so prediction) drift, which is raised.
    const shifted = day(6, 10, { delayShift: 4, outcomeShift: 0.08 });
    await restarted.recordPredictions(shifted.predictions);
    await restarted.recordFlights([...shifted.departures, ...shifted.arrivals]);
    const [grown] = await restarted.evaluate();
    expect([grown?.reportId, grown?.revision, grown?.sampleCount]).toEqual([opened?.reportId, 2, 4000]);
    expect(grown?.features.filter((f) => f.drifted).map((f) => f.featureName)).toEqual(['delay_mean']);
    expect(published.slice(alarmsBefore).map((r) => [r.reportId, r.revision, r.reasons.map((reason) => reason.rule)])).toEqual([
      [opened?.reportId, 0, ['calibration_gap']],
      [opened?.reportId, 2, ['calibration_gap', 'feature_drift', 'prediction_drift']],
    ]);
    // The stored row is the latest revision either way.
    const [stored] = await store.reports({ reportId: opened?.reportId as string });
    expect(stored?.revision).toBe(2);
  }, 60_000);

  it('reads a feature the prediction did not log as missing, not as 0', async () => {
    const data = day(20, 8);
    const [first] = data.predictions as [PredictionLog];
    delete first.features['distance'];
    await store.writePredictions([first]);
    await store.writeFlights(data.departures.slice(0, 1));
    const rows = await store.loadWindowRows({ startMs: T0 + 20 * DAY, endMs: T0 + 21 * DAY }, { modelName: MODEL, modelVersion: 1, featureNames: ['distance', 'delay_mean'] });
    expect(rows.rowCount).toBe(1);
    expect(rows.column('distance')[0]).toBeNaN();
    expect(rows.column('delay_mean')[0]).toBe(first.features['delay_mean']);
    expect(rows.outcomes[0]).toBeNaN();
  }, 60_000);
});
