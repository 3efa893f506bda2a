/**
 * ML benchmark: GBDT and logistic regression of @tributary/ml on a synthetic
 * flight-delay-like set — 1M training rows, 12 numeric features (some with
 * missing values) and 2 airport features with 300 categories each, ~20 %
 * positives — with early stopping on 200k validation rows and AUC on 200k
 * test rows; then ONNX Runtime latency of the exported models for one row
 * and for 1000 rows per call.
 *
 * `npm run bench -- ml --compare` also writes the same data as CSV and trains
 * LightGBM and scikit-learn's LogisticRegression on it in a virtual
 * environment the script installs under `.tributary/bench-venv`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createFeatureMatrix,
  createOnnxPredictor,
  exportOnnx,
  logLoss,
  packRows,
  rocAuc,
  selectRows,
  trainGbdt,
  trainLogisticRegression,
  verifyOnnxParity,
  type FeatureMatrix,
} from '@tributary/ml';
import { createRandom } from '@tributary/seeded-random';
import { benchPython } from './bench-venv.js';
import { percentile, reportResults, type Measurement } from './results.js';
import { writeCsv } from './write-csv.js';

const trainRows = 1_000_000;
const validationRows = 200_000;
const testRows = 200_000;
const airports = 300;
const gbdtOptions = { maxRounds: 300, learningRate: 0.1, maxLeaves: 31, minSamplesLeaf: 20, earlyStoppingRounds: 10, seed: 1 };
const lrOptions = { l2: 1e-4, maxIterations: 100 };
const singleRowRuns = 2000;
const batchRuns = 200;

const numericFeatures = [
  'distance', 'dep_hour', 'day_of_week', 'day_of_month', 'origin_flights_1h', 'dest_flights_1h',
  'origin_late_share_24h', 'dest_late_share_24h', 'route_mean_delay_7d', 'origin_mean_delay_1h',
  'carrier_late_share_30d', 'scheduled_block_min',
];
const featureNames = [...numericFeatures, 'origin', 'dest'];

/** Airport effects and traffic shares, shared by the train, validation and test draws. */
function makeWorld() {
  // Seeded: the benchmark data must be the same on every run.
  const random = createRandom(2001);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const effect = Float64Array.from({ length: airports }, () => gauss() * 0.5);
  // Zipf-like traffic: a few hubs, a long tail of small airports.
  const weights = Float64Array.from({ length: airports }, (_, a) => 1 / (a + 3));
  const total = weights.reduce((s, w) => s + w, 0);
  const cumulative = new Float64Array(airports);
  weights.reduce((s, w, a) => (cumulative[a] = s + w / total), 0);
  return { effect, cumulative };
}

function drawDataset(rows: number, seed: number, world: ReturnType<typeof makeWorld>): { data: FeatureMatrix; labels: Float64Array } {
  const random = createRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const airport = () => {
    const u = random();
    let lo = 0;
    let hi = airports - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((world.cumulative[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const columns = featureNames.map(() => new Float64Array(rows));
  const labels = new Float64Array(rows);
  const set = (f: number, r: number, v: number) => ((columns[f] as Float64Array)[r] = v);
  const missing = (rate: number, v: number) => (random() < rate ? Number.NaN : v);
  for (let r = 0; r < rows; r++) {
    const origin = airport();
    const dest = (origin + 1 + airport()) % airports;
    const distance = Math.exp(6.5 + 0.6 * gauss());
    const hour = (6 + 17 * random()) % 24;
    const dow = Math.floor(random() * 7);
    const originFlights = Math.max(0, Math.round(40 / (origin + 3) * 10 + gauss() * 3));
    const originShare = Math.min(1, Math.max(0, 0.2 + 0.1 * (world.effect[origin] as number) + 0.05 * gauss()));
    const destShare = Math.min(1, Math.max(0, 0.2 + 0.1 * (world.effect[dest] as number) + 0.05 * gauss()));
    const routeDelay = 5 + 8 * gauss();
    const originDelay = 4 + 10 * gauss() + (hour > 16 ? 6 : 0);
    const carrier = 0.18 + 0.04 * gauss();
    const logit =
      -2.8 + 0.09 * (hour - 12) + (dow === 4 || dow === 0 ? 0.3 : 0) + 4 * (originShare - 0.2) + 2 * (destShare - 0.2)
      + 0.03 * routeDelay + 0.04 * Math.max(0, originDelay) + 0.015 * originFlights + 3 * (carrier - 0.18)
      + (distance < 400 && hour > 17 ? 0.5 : 0) + (world.effect[origin] as number) + 0.6 * (world.effect[dest] as number);
    labels[r] = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    [distance, hour, dow, 1 + Math.floor(random() * 28), originFlights, Math.max(0, Math.round(originFlights * 0.8 + gauss() * 3)),
      missing(0.05, originShare), missing(0.05, destShare), missing(0.1, routeDelay), missing(0.08, originDelay), carrier,
      Math.round(distance / 8 + 25 + gauss() * 5), origin, dest].forEach((v, f) => set(f, r, v));
  }
  return { data: createFeatureMatrix({ featureNames, columns, categoricalFeatures: ['origin', 'dest'] }), labels };
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Wall time and process CPU time (all threads) of a synchronous task; CPU time is steadier on a shared machine. */
function timed<T>(work: () => T): { result: T; seconds: number; cpuSeconds: number } {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(cpu);
  return { result, seconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** p50 and p99 of ONNX Runtime calls of one and of 1000 rows. */
async function onnxLatency(bytes: Uint8Array, test: FeatureMatrix): Promise<{ single: number[]; batch: number[] }> {
  const predictor = await createOnnxPredictor(bytes);
  try {
    const packed = packRows(selectRows(test, Array.from({ length: 1000 }, (_, i) => i)));
    const featureCount = test.featureNames.length;
    const single: number[] = [];
    for (let i = 0; i < singleRowRuns + 100; i++) {
      const row = { values: packed.values.subarray((i % 1000) * featureCount, ((i % 1000) + 1) * featureCount), rowCount: 1 };
      const start = performance.now();
      await predictor.predictProba(row);
      if (i >= 100) single.push(performance.now() - start);
    }
    const batch: number[] = [];
    for (let i = 0; i < batchRuns + 10; i++) {
      const start = performance.now();
      await predictor.predictProba(packed);
      if (i >= 10) batch.push(performance.now() - start);
    }
    return { single: [percentile(single, 50), percentile(single, 99)], batch: [percentile(batch, 50), percentile(batch, 99)] };
  } finally {
    await predictor.close();
  }
}

export async function run(): Promise<void> {
  const world = makeWorld();
  const train = drawDataset(trainRows, 1, world);
  const validation = drawDataset(validationRows, 2, world);
  const test = drawDataset(testRows, 3, world);
  const baselineRssMb = peakRssMb();
  console.log(`data: ${trainRows} train rows, positive share ${(train.labels.reduce((s, y) => s + y, 0) / trainRows).toFixed(3)}`);

  const gbdt = timed(() => trainGbdt(train.data, train.labels, { ...gbdtOptions, validation }));
  const gbdtPeakRssMb = peakRssMb();
  const gbdtTest = gbdt.result.predictProba(test.data);
  console.log(`GBDT: ${gbdt.seconds.toFixed(1)} s, ${gbdt.result.trees.length} trees (${gbdt.result.roundsTrained} rounds run)`);
  const lr = timed(() => trainLogisticRegression(train.data, train.labels, lrOptions));
  const lrTest = lr.result.predictProba(test.data);
  console.log(`LR: ${lr.seconds.toFixed(1)} s`);

  const exportOptions = { modelName: 'bench', modelVersion: '1', trainingWindow: { start: '2001-01-01T00:00:00Z', end: '2001-05-01T00:00:00Z' } };
  const gbdtOnnx = exportOnnx(gbdt.result, exportOptions);
  const lrOnnx = exportOnnx(lr.result, exportOptions);
  const parityRows = selectRows(test.data, Array.from({ length: 20_000 }, (_, i) => i));
  const gbdtParity = await verifyOnnxParity(gbdt.result, gbdtOnnx, parityRows);
  const lrParity = await verifyOnnxParity(lr.result, lrOnnx, parityRows);
  const gbdtLatency = await onnxLatency(gbdtOnnx, test.data);
  const lrLatency = await onnxLatency(lrOnnx, test.data);

  const measurements: Measurement[] = [
    { name: 'GBDT training time (1M rows × 14 features)', value: gbdt.seconds, unit: 's', target: '< 60' },
    { name: 'GBDT training CPU time (both threads)', value: gbdt.cpuSeconds, unit: 's' },
    { name: 'GBDT trees kept (early stopping)', value: gbdt.result.trees.length, unit: 'trees' },
    { name: 'GBDT test AUC', value: rocAuc(test.labels, gbdtTest), unit: '' },
    { name: 'GBDT test log loss', value: logLoss(test.labels, gbdtTest), unit: '' },
    { name: 'peak RSS before training (data in memory)', value: baselineRssMb, unit: 'MB' },
    { name: 'peak RSS after GBDT training', value: gbdtPeakRssMb, unit: 'MB' },
    { name: 'LR training time', value: lr.seconds, unit: 's' },
    { name: 'LR training CPU time', value: lr.cpuSeconds, unit: 's' },
    { name: 'LR test AUC', value: rocAuc(test.labels, lrTest), unit: '' },
    { name: 'LR test log loss', value: logLoss(test.labels, lrTest), unit: '' },
    { name: 'peak RSS after LR training', value: peakRssMb(), unit: 'MB' },
    { name: 'GBDT ONNX parity max |Δp| (20k test rows)', value: gbdtParity.maxAbsDiff * 1e6, unit: '1e-6', target: '≤ 10' },
    { name: 'LR ONNX parity max |Δp| (20k test rows)', value: lrParity.maxAbsDiff * 1e6, unit: '1e-6', target: '≤ 10' },
    { name: 'GBDT ONNX 1 row p50', value: gbdtLatency.single[0] as number, unit: 'ms' },
    { name: 'GBDT ONNX 1 row p99', value: gbdtLatency.single[1] as number, unit: 'ms' },
    { name: 'GBDT ONNX 1000 rows p50', value: gbdtLatency.batch[0] as number, unit: 'ms' },
    { name: 'GBDT ONNX 1000 rows p99', value: gbdtLatency.batch[1] as number, unit: 'ms' },
    { name: 'LR ONNX 1 row p50', value: lrLatency.single[0] as number, unit: 'ms' },
    { name: 'LR ONNX 1 row p99', value: lrLatency.single[1] as number, unit: 'ms' },
    { name: 'LR ONNX 1000 rows p50', value: lrLatency.batch[0] as number, unit: 'ms' },
    { name: 'LR ONNX 1000 rows p99', value: lrLatency.batch[1] as number, unit: 'ms' },
  ];
  if (process.argv.includes('--compare')) measurements.push(...(await compareWithPython(train, validation, test)));
  reportResults('ml', measurements);
}

const workDir = join('.tributary', 'bench-ml');
const pythonPackages = ['lightgbm==4.6.0', 'scikit-learn==1.5.2', 'numpy==2.2.6'];

/** Same settings as ours: 31 leaves, learning rate 0.1, 255 bins, 20 rows per leaf, early stopping after 10 rounds; L2 λ = 1/(C·n). */
const pythonScript = `
import json, sys, time
import numpy as np, lightgbm, sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, log_loss
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
d = sys.argv[1]; l2 = float(sys.argv[2])
load = lambda name: np.genfromtxt(f"{d}/{name}.csv", delimiter=",", skip_header=1, filling_values=np.nan)
tr, va, te = load("train"), load("validation"), load("test")
X, y = tr[:, :-1], tr[:, -1]
cat = [X.shape[1] - 2, X.shape[1] - 1]
t, c = time.time(), time.process_time()
m = lightgbm.LGBMClassifier(n_estimators=${gbdtOptions.maxRounds}, learning_rate=0.1, num_leaves=31, min_child_samples=20, max_bin=255, verbose=-1, random_state=1)
m.fit(X, y, eval_set=[(va[:, :-1], va[:, -1])], categorical_feature=cat, callbacks=[lightgbm.early_stopping(10, verbose=False)])
lgb_s = time.time() - t; lgb_cpu = time.process_time() - c
p = m.predict_proba(te[:, :-1])[:, 1]
num = list(range(X.shape[1] - 2))
pre = ColumnTransformer([("num", make_pipeline(SimpleImputer(), StandardScaler()), num), ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])
Xc = np.nan_to_num(X[:, cat], nan=-1)
t = time.time()
lr = make_pipeline(pre, LogisticRegression(C=1 / (l2 * len(y)), max_iter=${lrOptions.maxIterations}))
lr.fit(np.column_stack([X[:, num], Xc]), y)
lr_s = time.time() - t
q = lr.predict_proba(np.column_stack([te[:, num], np.nan_to_num(te[:, cat], nan=-1)]))[:, 1]
print(json.dumps({"lightgbm": lightgbm.__version__, "sklearn": sklearn.__version__, "lgb_s": lgb_s, "lgb_cpu": lgb_cpu, "lgb_trees": m.best_iteration_,
  "lgb_auc": roc_auc_score(te[:, -1], p), "lgb_logloss": log_loss(te[:, -1], p), "lr_s": lr_s, "lr_auc": roc_auc_score(te[:, -1], q)}))
`;

async function compareWithPython(
  train: { data: FeatureMatrix; labels: Float64Array },
  validation: { data: FeatureMatrix; labels: Float64Array },
  test: { data: FeatureMatrix; labels: Float64Array },
): Promise<Measurement[]> {
  mkdirSync(workDir, { recursive: true });
  const python = benchPython(pythonPackages);
  await writeCsv(join(workDir, 'train.csv'), train.data, train.labels);
  await writeCsv(join(workDir, 'validation.csv'), validation.data, validation.labels);
  await writeCsv(join(workDir, 'test.csv'), test.data, test.labels);
  writeFileSync(join(workDir, 'compare.py'), pythonScript);
  const output = execFileSync(python, [join(workDir, 'compare.py'), workDir, String(lrOptions.l2)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const result = JSON.parse(output.trim().split('\n').pop() as string) as Record<string, number | string>;
  console.log(`LightGBM ${result['lightgbm']}, scikit-learn ${result['sklearn']}`);
  return [
    { name: 'LightGBM training time (same data, 2 threads)', value: result['lgb_s'] as number, unit: 's' },
    { name: 'LightGBM training CPU time (both threads)', value: result['lgb_cpu'] as number, unit: 's' },
    { name: 'LightGBM trees kept (early stopping)', value: result['lgb_trees'] as number, unit: 'trees' },
    { name: 'LightGBM test AUC', value: result['lgb_auc'] as number, unit: '' },
    { name: 'LightGBM test log loss', value: result['lgb_logloss'] as number, unit: '' },
    { name: 'scikit-learn LogisticRegression training time', value: result['lr_s'] as number, unit: 's' },
    { name: 'scikit-learn LogisticRegression test AUC', value: result['lr_auc'] as number, unit: '' },
  ];
}
