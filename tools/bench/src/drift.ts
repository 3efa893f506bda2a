/**
 * Drift benchmark: how often the monitor's rules cry wolf on ordinary days of
 * the real flights stream, how soon they catch an injected shift, and what a
 * window costs.
 *
 * Data: every 8th flight of 1 March – 20 May 2001 (about 2,100 a day, the
 * demo's sample), written where the trainer reads it (database `bench_drift`,
 * kept for later runs; `--repopulate` rebuilds it), as point-in-time rows of
 * the 33 model features. Blocks, one a week: a logistic regression trained on
 * 14 days (as the trainer's fallback is) gives the reference profile of its
 * training rows and predictions, then each of the 7 following days is a daily
 * window judged by `evaluateWindow` with the monitor's defaults (the day of
 * week and hour of day are periodic features). 21–23 May, the storm the demo
 * finds, are left out: these are the ordinary days.
 *
 * - `false alarms per 100 windows`: windows whose feature, dataset or
 *   prediction drift raised an alarm, no outcomes given (input drift only).
 * - `calibration alarms per 100 windows`: the same windows with their
 *   outcomes; a day's late share moves more than a fortnight's, so this is
 *   what daily windows cost in calibration alarms (reported, not tuned here).
 * - `detection delay windows`: from the 4th window of each block on, one
 *   feature (`origin.out_delay_mean_24h`) is shifted by two reference
 *   standard deviations (a strong shift, e.g. a feature computed in the wrong
 *   unit); windows from the first shifted one to the first
 *   alarm naming it (0 = caught in the first), the worst block.
 * - Window cost, beside Evidently's report on the same data, and whether the
 *   two compute the same statistics: drift-window-cost.ts.
 * - `monitor sustained predictions/s`: the service fed from pre-filled topics,
 *   beside a bare kafkajs consumer: drift-monitor-throughput.ts.
 */
import { availableParallelism } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import type { DriftReport, ReferenceProfile } from '@tributary/contracts';
import { buildReferenceProfile, evaluateWindow, resolveAlarmThresholds, type WindowRows } from '@tributary/drift';
import { createOfflineStore, flightFeatureSet } from '@tributary/features';
import { localClickHouse } from '@tributary/infra/testing';
import { rocAuc, selectRows, trainLogisticRegression, type FeatureMatrix } from '@tributary/ml';
import { DEFAULT_MODEL_PARAMS, buildFlightDataset, createClickHouseLabelSource, type LabeledDataset } from '@tributary/training';
import { writeFlightFixtures } from '@tributary/training/testing';
import { measureMonitorThroughput } from './drift-monitor-throughput.js';
import { measureWindowCost } from './drift-window-cost.js';
import { watchLoad } from './load-watch.js';
import { percentile, reportResults, type Measurement } from './results.js';

const database = 'bench_drift';
const DAY_MS = 86_400_000;
const day = (month: number, d: number) => Date.UTC(2001, month - 1, d);
const range = { startMs: day(3, 1), endMs: day(5, 21) };
const EVERY_NTH = 8;
const REFERENCE_DAYS = 14;
const WINDOWS_PER_BLOCK = 7;
const SHIFT_FROM_WINDOW = 3;
const SHIFTED_FEATURE = 'origin.out_delay_mean_24h';
/** The injected shift, in reference standard deviations of the feature. */
const SHIFT_SDS = 2;
/** What the drift monitor is given for the flights (see apps/drift-monitor). */
const PERIODIC_FEATURES = { day_of_week: 7 * DAY_MS, hour_of_day: DAY_MS };
const thresholds = resolveAlarmThresholds();
const INPUT_RULES = new Set(['feature_drift', 'dataset_drift', 'prediction_drift']);

async function populated(client: ClickHouseClient): Promise<boolean> {
  const result = await client.query({ query: 'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {table:String}', query_params: { db: database, table: 'populated' }, format: 'JSONEachRow' });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0) > 0;
}

async function ensureData(client: ClickHouseClient): Promise<void> {
  if (!process.argv.includes('--repopulate') && (await populated(client))) {
    console.log(`reusing the flights in ${database} (--repopulate rebuilds them)`);
    return;
  }
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  const started = performance.now();
  const written = await writeFlightFixtures({ client, database, fromMs: range.startMs, toMs: range.endMs + DAY_MS, everyNth: EVERY_NTH });
  console.log(`${written.flights} flights written in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await client.command({ query: `CREATE TABLE ${database}.populated (flights UInt64) ENGINE = Memory` });
  await client.command({ query: `INSERT INTO ${database}.populated VALUES (${written.flights})` });
}

function rowsBetween(dataset: LabeledDataset, startMs: number, endMs: number): number[] {
  const rows: number[] = [];
  dataset.labelTimesMs.forEach((t, i) => {
    if (t >= startMs && t < endMs) rows.push(i);
  });
  return rows;
}

/** A window's rows as the monitor reads them; `shift` adds to one feature's values. */
function windowRows(matrix: FeatureMatrix, probabilities: Float64Array, outcomes: Float64Array, shift?: { readonly feature: string; readonly by: number }): WindowRows {
  return {
    rowCount: matrix.rowCount,
    probabilities,
    outcomes,
    column: (name) => {
      const index = matrix.featureNames.indexOf(name);
      const values = index < 0 ? new Float64Array(matrix.rowCount).fill(Number.NaN) : (matrix.columns[index] as Float64Array);
      return shift?.feature === name ? values.map((v) => v + shift.by) : values;
    },
  };
}

function standardDeviation(values: Float64Array): number {
  const present = values.filter((v) => Number.isFinite(v));
  const mean = present.reduce((a, b) => a + b, 0) / present.length;
  return Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / present.length);
}

function judge(rows: WindowRows, profile: ReferenceProfile, startMs: number): DriftReport {
  return evaluateWindow(rows, {
    reportId: 'bench',
    modelName: 'flight-delay',
    modelVersion: 1,
    window: { startMs, endMs: startMs + DAY_MS },
    windowStepMs: DAY_MS,
    profile,
    thresholds,
    periodicFeatures: PERIODIC_FEATURES,
    revision: 1,
    createdAt: new Date(0),
  });
}

/** The largest effect size of a window's judged features of one statistic: normed Wasserstein (numeric) or Jensen–Shannon (categorical). */
function largestEffect(report: DriftReport, statistic: 'wasserstein_distance_normed' | 'jensen_shannon_distance'): number {
  const judged = report.features.filter((f) => f.decidedBy === statistic);
  return Math.max(0, ...judged.map((f) => (statistic === 'jensen_shannon_distance' ? f.jensenShannonDistance : f.wassersteinDistanceNormed) ?? 0));
}

export async function run(): Promise<void> {
  const client = localClickHouse({ requestTimeoutMs: 600_000 });
  const measurements: Measurement[] = [];
  const load = watchLoad();
  try {
    await ensureData(client);
    const labels = await createClickHouseLabelSource({ client, database }).loadLabels(range);
    const dataset = await buildFlightDataset(labels, createOfflineStore({ client, featureSet: flightFeatureSet, database }));
    let windows = 0;
    let inputAlarms = 0;
    let calibrationAlarms = 0;
    const delays: number[] = [];
    const largest = { numeric: [] as number[], categorical: [] as number[], prediction: [] as number[] };
    const drifted = new Map<string, number>();
    let lastModel: ReturnType<typeof trainLogisticRegression> | undefined;
    let lastProfile: ReferenceProfile | undefined;
    let lastReferenceWindow = { startMs: 0, endMs: 0 };
    for (let start = range.startMs; start + (REFERENCE_DAYS + WINDOWS_PER_BLOCK) * DAY_MS <= range.endMs; start += 7 * DAY_MS) {
      const reference = selectRows(dataset.matrix, rowsBetween(dataset, start, start + REFERENCE_DAYS * DAY_MS));
      const referenceLabels = Float64Array.from(rowsBetween(dataset, start, start + REFERENCE_DAYS * DAY_MS), (i) => dataset.labels[i] as number);
      const model = trainLogisticRegression(reference, referenceLabels, DEFAULT_MODEL_PARAMS.logisticRegression);
      lastModel = model;
      const profile = buildReferenceProfile(reference, { predictions: model.predictProba(reference) });
      lastProfile = profile;
      lastReferenceWindow = { startMs: start, endMs: start + REFERENCE_DAYS * DAY_MS };
      const shiftBy = standardDeviation(reference.columns[reference.featureNames.indexOf(SHIFTED_FEATURE)] as Float64Array);
      let delay: number | undefined;
      for (let w = 0; w < WINDOWS_PER_BLOCK; w++) {
        const windowStart = start + (REFERENCE_DAYS + w) * DAY_MS;
        const rows = rowsBetween(dataset, windowStart, windowStart + DAY_MS);
        const matrix = selectRows(dataset.matrix, rows);
        const probabilities = model.predictProba(matrix);
        const unknown = new Float64Array(rows.length).fill(Number.NaN);
        const quiet = judge(windowRows(matrix, probabilities, unknown), profile, windowStart);
        windows++;
        largest.numeric.push(largestEffect(quiet, 'wasserstein_distance_normed'));
        largest.categorical.push(largestEffect(quiet, 'jensen_shannon_distance'));
        largest.prediction.push(quiet.prediction?.wassersteinDistanceNormed ?? 0);
        if (quiet.reasons.some((r) => INPUT_RULES.has(r.rule))) inputAlarms++;
        for (const f of quiet.features) if (f.drifted) drifted.set(f.featureName, (drifted.get(f.featureName) ?? 0) + 1);
        const outcomes = Float64Array.from(rows, (i) => dataset.labels[i] as number);
        if (judge(windowRows(matrix, probabilities, outcomes), profile, windowStart).reasons.some((r) => r.rule === 'calibration_gap')) calibrationAlarms++;
        if (w >= SHIFT_FROM_WINDOW && delay === undefined) {
          const shifted = judge(windowRows(matrix, probabilities, unknown, { feature: SHIFTED_FEATURE, by: SHIFT_SDS * shiftBy }), profile, windowStart);
          if (shifted.features.some((f) => f.featureName === SHIFTED_FEATURE && f.drifted) && shifted.alert) delay = w - SHIFT_FROM_WINDOW;
        }
      }
      delays.push(delay ?? WINDOWS_PER_BLOCK - SHIFT_FROM_WINDOW);
      console.log(`block from ${new Date(start).toISOString().slice(0, 10)}: ${windows} windows so far, ${inputAlarms} input-drift alarms, shift caught after ${delay ?? 'never'} windows`);
    }
    measurements.push(
      { name: 'windows (ordinary days, daily, 14-day reference)', value: windows, unit: 'windows' },
      { name: 'false alarms per 100 windows', value: (100 * inputAlarms) / windows, unit: 'alarms', target: '0' },
      { name: 'calibration alarms per 100 windows (same days)', value: (100 * calibrationAlarms) / windows, unit: 'alarms' },
      { name: 'detection delay windows', value: Math.max(...delays), unit: 'windows', target: '0' },
      ...(['numeric', 'categorical', 'prediction'] as const).flatMap((kind) => [
        { name: `largest ${kind} effect size of an ordinary day, p50`, value: percentile(largest[kind], 50), unit: kind === 'categorical' ? 'JS' : 'W normed' },
        { name: `largest ${kind} effect size of an ordinary day, max`, value: Math.max(...largest[kind]), unit: kind === 'categorical' ? 'JS' : 'W normed' },
      ]),
    );
    if (drifted.size > 0) console.log(`features flagged on ordinary days: ${[...drifted].map(([name, n]) => `${name} ${n}`).join(', ')}`);

    const model = lastModel as NonNullable<typeof lastModel>;
    const judgeAgainst = (rows: WindowRows, profile: ReferenceProfile) => judge(rows, profile, range.startMs);
    measurements.push(...(await measureWindowCost({ matrix: dataset.matrix, predict: (matrix) => model.predictProba(matrix), judge: judgeAgainst })));
    // The monitor's throughput: every flight of the range, scored by the last block's model, against that block's profile.
    const probabilities = model.predictProba(dataset.matrix);
    measurements.push(
      ...(await measureMonitorThroughput(
        {
          matrix: dataset.matrix,
          probabilities,
          labels: dataset.labels,
          departureTimesMs: dataset.labelTimesMs,
          profile: lastProfile as ReferenceProfile,
          trainingWindow: lastReferenceWindow,
          holdoutAuc: rocAuc(dataset.labels, probabilities),
        },
        client,
      )),
    );
    reportResults('drift', measurements, {
      conditions: {
        data: `every ${EVERY_NTH}th flight, 2001-03-01…05-20`,
        rules: 'monitor defaults (normed Wasserstein / Jensen–Shannon effect sizes above 1,000 rows)',
        'load average 1m at the start, min, median, max': [load.samples[0], Math.min(...load.samples), percentile(load.samples, 50), Math.max(...load.samples)].map((l) => l?.toFixed(1)).join(' / '),
        'cpu cores': String(availableParallelism()),
      },
    });
  } finally {
    load.stop();
    await client.close();
  }
}
