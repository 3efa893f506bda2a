/**
 * What a drift window costs, ours beside Evidently's report, and whether the
 * two compute the same statistics.
 *
 * A reference of 500,000 rows and windows of 1,000 and 100,000 rows are drawn
 * with replacement from the real rows (33 features plus the model's
 * prediction). Ours: `evaluateWindow` as the monitor calls it, against the
 * profile the trainer would store (1,000 sampled values per numeric feature,
 * 100 categories), median of several runs. Evidently: `Report` with
 * `DataDriftPreset` on the raw 500k reference and the same 100k window,
 * normed Wasserstein for numeric columns and Jensen–Shannon for categorical
 * ones — the effect sizes our monitor judges large windows by.
 *
 * Equal statistics: Evidently reads the whole reference, our default profile
 * a sample of it, so the values are compared against a profile that keeps
 * every reference value (`sampleSize` = rows, categories unbounded). Then
 * both compute SciPy's `wasserstein_distance` over the reference's population
 * standard deviation, and the Jensen–Shannon distance over all categories
 * (unseen ones merged into "other" on our side, which changes nothing where
 * the reference share is 0); Evidently's is in nats (SciPy's default base),
 * ours in bits, so ours is multiplied by √ln 2. The benchmark fails when
 * any column differs by more than 1e-6 relative.
 */
import { FeatureKind, type DriftReport, type FeatureDrift, type ReferenceProfile } from '@tributary/contracts';
import { buildReferenceProfile, PREDICTION_FEATURE_NAME, type WindowRows } from '@tributary/drift';
import { selectRows, type FeatureMatrix } from '@tributary/ml';
import { createRandom } from '@tributary/seeded-random';
import { runEvidentlyReport } from './drift-evidently.js';
import { percentile, type Measurement } from './results.js';

const REFERENCE_ROWS = 500_000;
const WINDOW_SIZES = [1_000, 100_000] as const;
const COMPARED_WINDOW = 100_000;
/** Runs of each timed evaluation (median kept); Evidently's report is slower, so fewer of it. */
const OUR_REPETITIONS = 7;
const EVIDENTLY_REPETITIONS = 3;
/** Largest relative difference of a statistic from Evidently's the benchmark accepts. */
const MAX_RELATIVE_DIFFERENCE = 1e-6;

/** What the window cost needs from the drift benchmark. */
export interface WindowCostInput {
  /** The real rows the reference and windows are drawn from. */
  readonly matrix: FeatureMatrix;
  /** The model's predicted probabilities for rows of that matrix. */
  predict(matrix: FeatureMatrix): Float64Array;
  /** A window judged as the monitor judges it. */
  judge(rows: WindowRows, profile: ReferenceProfile): DriftReport;
}

function rowsOf(matrix: FeatureMatrix, probabilities: Float64Array): WindowRows {
  return {
    rowCount: matrix.rowCount,
    probabilities,
    outcomes: new Float64Array(matrix.rowCount).fill(Number.NaN),
    column: (name) => matrix.columns[matrix.featureNames.indexOf(name)] ?? new Float64Array(matrix.rowCount).fill(Number.NaN),
  };
}

/** Median wall and CPU time of `repetitions` runs of `work`, ms. */
function timed(repetitions: number, work: () => unknown): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const started = performance.now();
    const usage = process.cpuUsage();
    work();
    const used = process.cpuUsage(usage);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wallMs: percentile(wall, 50), cpuMs: percentile(cpu, 50) };
}

/** Our statistic in Evidently's terms: normed Wasserstein, or Jensen–Shannon in nats. */
function comparable(feature: FeatureDrift): number | undefined {
  if (feature.kind === FeatureKind.CATEGORICAL) return feature.jensenShannonDistance === undefined ? undefined : feature.jensenShannonDistance * Math.sqrt(Math.LN2);
  return feature.wassersteinDistanceNormed;
}

export async function measureWindowCost(input: WindowCostInput): Promise<Measurement[]> {
  const random = createRandom(7);
  const draw = (n: number) => selectRows(input.matrix, Array.from({ length: n }, () => Math.floor(random() * input.matrix.rowCount)));
  const reference = draw(REFERENCE_ROWS);
  const referencePredictions = input.predict(reference);
  const profile = buildReferenceProfile(reference, { predictions: referencePredictions });
  const fullProfile = buildReferenceProfile(reference, { predictions: referencePredictions, sampleSize: REFERENCE_ROWS, maxCategories: REFERENCE_ROWS });
  const measurements: Measurement[] = [];
  let compared: { matrix: FeatureMatrix; predictions: Float64Array; wallMs: number; cpuMs: number } | undefined;
  for (const size of WINDOW_SIZES) {
    const matrix = draw(size);
    const predictions = input.predict(matrix);
    const rows = rowsOf(matrix, predictions);
    input.judge(rows, profile);
    const { wallMs, cpuMs } = timed(OUR_REPETITIONS, () => input.judge(rows, profile));
    measurements.push({ name: `drift window ${size / 1000}k ms`, value: wallMs, unit: 'ms' });
    if (size === COMPARED_WINDOW) compared = { matrix, predictions, wallMs, cpuMs };
  }
  const window = compared as NonNullable<typeof compared>;
  const rows = rowsOf(window.matrix, window.predictions);
  const fullReport = input.judge(rows, fullProfile);
  const full = timed(OUR_REPETITIONS, () => input.judge(rows, fullProfile));
  measurements.push({ name: 'drift window 100k ms, full-reference profile', value: full.wallMs, unit: 'ms' });

  const evidently = await runEvidentlyReport({
    reference: { matrix: reference, predictions: referencePredictions },
    current: { matrix: window.matrix, predictions: window.predictions },
    predictionColumn: PREDICTION_FEATURE_NAME,
    numMethod: 'wasserstein',
    catMethod: 'jensenshannon',
    repetitions: EVIDENTLY_REPETITIONS,
  });
  const evidentlyMs = percentile(evidently.wallMs, 50);
  const evidentlyCpuMs = percentile(evidently.cpuMs, 50);
  const ourMs = window.wallMs;

  // Every column's statistic beside Evidently's.
  const ours = [...fullReport.features, ...(fullReport.prediction === undefined ? [] : [fullReport.prediction])];
  let largest = { column: '', absolute: 0, relative: 0 };
  for (const feature of ours) {
    const value = comparable(feature);
    const theirs = evidently.scores[feature.featureName];
    if (value === undefined || theirs === undefined) throw new Error(`no ${value === undefined ? 'statistic of ours' : 'Evidently score'} for ${feature.featureName}`);
    const absolute = Math.abs(value - theirs);
    const relative = absolute / Math.max(Math.abs(theirs), Number.MIN_VALUE);
    if (relative > largest.relative) largest = { column: feature.featureName, absolute, relative };
  }
  console.log(
    `Evidently ${evidently.versions['evidently']} (SciPy ${evidently.versions['scipy']}): ${evidentlyMs.toFixed(0)} ms per report (${evidentlyCpuMs.toFixed(0)} ms CPU), ours ${ourMs.toFixed(1)} ms (${window.cpuMs.toFixed(1)} ms CPU); ` +
      `${ours.length} columns compared, largest difference ${largest.absolute.toExponential(2)} (${largest.relative.toExponential(2)} relative, ${largest.column || 'none'})`,
  );
  if (largest.relative > MAX_RELATIVE_DIFFERENCE) {
    throw new Error(`${largest.column}: our statistic differs from Evidently's by ${largest.relative.toExponential(2)} relative (more than ${MAX_RELATIVE_DIFFERENCE})`);
  }
  const sampled = largestSamplingError(input.judge(rows, profile), fullReport);
  measurements.push(
    { name: 'drift window 100k cpu ms', value: window.cpuMs, unit: 'ms' },
    { name: 'evidently window 100k ms', value: evidentlyMs, unit: 'ms' },
    { name: 'evidently window 100k cpu ms', value: evidentlyCpuMs, unit: 'ms' },
    { name: 'speedup vs evidently ratio', value: evidentlyMs / ourMs, unit: 'x', target: '≥ 15' },
    // CPU time is what other work on a shared machine disturbs least.
    { name: 'speedup vs evidently cpu ratio', value: evidentlyCpuMs / window.cpuMs, unit: 'x', target: '≥ 15' },
    { name: 'speedup vs evidently ratio, full-reference profile', value: evidentlyMs / full.wallMs, unit: 'x' },
    { name: 'columns compared with evidently', value: ours.length, unit: 'columns' },
    { name: 'largest statistic difference vs evidently', value: largest.absolute, unit: 'abs' },
    { name: 'largest relative statistic difference vs evidently', value: largest.relative, unit: 'rel', target: `≤ ${MAX_RELATIVE_DIFFERENCE}` },
    { name: 'largest normed Wasserstein error of the 1000-value profile sample', value: sampled, unit: 'W normed' },
  );
  return measurements;
}

/** How far the default profile's sampled reference moves a window's normed Wasserstein from the full reference's. */
function largestSamplingError(sampled: DriftReport, full: DriftReport): number {
  let largest = 0;
  full.features.forEach((feature, i) => {
    const a = feature.wassersteinDistanceNormed;
    const b = sampled.features[i]?.wassersteinDistanceNormed;
    if (a !== undefined && b !== undefined) largest = Math.max(largest, Math.abs(a - b));
  });
  return largest;
}
