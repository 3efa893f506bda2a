/**
 * Training benchmark: the flights time-based split — train January–April
 * 2001, early-stop on May, test on June — on the point-in-time training set
 * the trainer builds (labels from the raw events, features from the offline
 * store, both in ClickHouse). GBDT and logistic regression of @tributary/ml:
 * test AUC, log loss, Brier, training time and peak memory.
 *
 * The first run puts the whole dataset where the trainer reads it (database
 * `bench_training`: 6M raw events, the aggregation engine's snapshots) and
 * keeps it for later runs; `--repopulate` rebuilds it.
 *
 * `npm run bench -- training --compare` also writes the same train /
 * validation / test rows as CSV and fits LightGBM (same tree settings) and
 * scikit-learn's LogisticRegression (same L2) on them, in the virtual
 * environment the script installs under `.tributary/bench-venv`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createOfflineStore, flightFeatureSet } from '@tributary/features';
import { localClickHouse } from '@tributary/infra/testing';
import { trainGbdt, trainLogisticRegression } from '@tributary/ml';
import { DEFAULT_MODEL_PARAMS, buildFlightDataset, createClickHouseLabelSource, evaluateModel, splitByTime, type LabeledDataset } from '@tributary/training';
import { writeFlightFixtures } from '@tributary/training/testing';
import { benchPython } from './bench-venv.js';
import { reportResults, type Measurement } from './results.js';
import { writeCsv } from './write-csv.js';

const database = 'bench_training';
const month = (m: number) => Date.UTC(2001, m - 1, 1);
const windows = {
  train: { startMs: month(1), endMs: month(5) },
  validation: { startMs: month(5), endMs: month(6) },
  holdout: { startMs: month(6), endMs: month(7) },
};
/** The trainer's defaults, with room for early stopping rather than the round cap to end training. */
const gbdtOptions = { ...DEFAULT_MODEL_PARAMS.gbdt, maxRounds: 1000 };
const lrOptions = DEFAULT_MODEL_PARAMS.logisticRegression;

/** Peak resident memory of this process so far, in MB. */
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

async function populated(client: ClickHouseClient): Promise<boolean> {
  const result = await client.query({ query: 'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {table:String}', query_params: { db: database, table: 'populated' }, format: 'JSONEachRow' });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0) > 0;
}

/** The whole dataset into `bench_training`, unless an earlier run left it complete. */
async function ensureData(client: ClickHouseClient, measurements: Measurement[]): Promise<void> {
  if (!process.argv.includes('--repopulate') && (await populated(client))) {
    console.log(`reusing the flights in ${database} (--repopulate rebuilds them)`);
    return;
  }
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  const started = performance.now();
  const written = await writeFlightFixtures({
    client,
    database,
    fromMs: month(1),
    toMs: month(7) + 86_400_000,
    onProgress: (p) => {
      if (p.events % 1_000_000 < 100_000) console.log(`  ${p.flights} flights, ${p.events} events, ${p.snapshots} snapshots written (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    },
  });
  await client.command({ query: `CREATE TABLE ${database}.populated (flights UInt64) ENGINE = Memory` });
  await client.command({ query: `INSERT INTO ${database}.populated VALUES (${written.flights})` });
  measurements.push(
    { name: 'data plane: flights written (raw events + features)', value: written.flights, unit: 'flights' },
    { name: 'data plane: offline feature snapshots', value: written.snapshots, unit: 'rows' },
    { name: 'data plane: time to write both', value: (performance.now() - started) / 1000, unit: 's' },
  );
}

async function timed<T>(work: () => T | Promise<T>): Promise<{ result: T; seconds: number; cpuSeconds: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { result, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

export async function run(): Promise<void> {
  const client = localClickHouse({ requestTimeoutMs: 600_000 });
  const measurements: Measurement[] = [];
  try {
    await ensureData(client, measurements);
    const labels = await timed(() => createClickHouseLabelSource({ client, database }).loadLabels({ startMs: windows.train.startMs, endMs: windows.holdout.endMs }));
    const offlineStore = createOfflineStore({ client, featureSet: flightFeatureSet, database });
    const dataset = await timed(() => buildFlightDataset(labels.result, offlineStore));
    const split = splitByTime(dataset.result, windows);
    const { train, validation, holdout: test } = split;
    measurements.push(
      { name: 'labels loaded from events_raw (Jan–Jun)', value: labels.result.rowCount, unit: 'rows' },
      { name: 'label query time', value: labels.seconds, unit: 's' },
      { name: 'point-in-time join time (3 roles, ASOF)', value: dataset.seconds, unit: 's' },
      { name: 'rows train / validation / test', value: train.labels.length, unit: `/ ${validation.labels.length} / ${test.labels.length}` },
      { name: 'features per row', value: train.matrix.featureNames.length, unit: '' },
      { name: 'test positive rate (June)', value: mean(test.labels), unit: '' },
      { name: 'peak RSS with the training set in memory', value: peakRssMb(), unit: 'MB' },
    );
    console.log(`training set: ${train.labels.length} / ${validation.labels.length} / ${test.labels.length} rows, ${train.matrix.featureNames.length} features`);

    const gbdt = await timed(() => trainGbdt(train.matrix, train.labels, { ...gbdtOptions, validation: { data: validation.matrix, labels: validation.labels } }));
    const gbdtTest = evaluateModel(test.labels, gbdt.result.predictProba(test.matrix));
    measurements.push(
      { name: 'GBDT training time', value: gbdt.seconds, unit: 's' },
      { name: 'GBDT training CPU time (both threads)', value: gbdt.cpuSeconds, unit: 's' },
      { name: 'GBDT trees kept (early stopping on May)', value: gbdt.result.trees.length, unit: 'trees' },
      { name: 'GBDT test AUC (June)', value: gbdtTest.auc, unit: '' },
      { name: 'GBDT test log loss', value: gbdtTest.logLoss, unit: '' },
      { name: 'GBDT test Brier', value: gbdtTest.brier, unit: '' },
      { name: 'GBDT test calibration error', value: gbdtTest.calibrationError, unit: '' },
      { name: 'peak RSS after GBDT training', value: peakRssMb(), unit: 'MB' },
    );
    console.log(`GBDT: AUC ${gbdtTest.auc.toFixed(4)} in ${gbdt.seconds.toFixed(1)} s`);

    const lr = await timed(() => trainLogisticRegression(train.matrix, train.labels, lrOptions));
    const lrTest = evaluateModel(test.labels, lr.result.predictProba(test.matrix));
    measurements.push(
      { name: 'LR training time', value: lr.seconds, unit: 's' },
      { name: 'LR test AUC (June)', value: lrTest.auc, unit: '' },
      { name: 'LR test log loss', value: lrTest.logLoss, unit: '' },
      { name: 'LR test Brier', value: lrTest.brier, unit: '' },
      { name: 'peak RSS after LR training', value: peakRssMb(), unit: 'MB' },
    );
    console.log(`LR: AUC ${lrTest.auc.toFixed(4)} in ${lr.seconds.toFixed(1)} s`);

    if (process.argv.includes('--compare')) {
      const python = await compareWithPython(split);
      const lgbAuc = python['lgb_auc'] as number;
      const lgbSeconds = python['lgb_s'] as number;
      measurements.push(
        { name: `LightGBM ${String(python['lightgbm'])} training time`, value: lgbSeconds, unit: 's' },
        { name: 'LightGBM training CPU time', value: python['lgb_cpu'] as number, unit: 's' },
        { name: 'LightGBM trees kept', value: python['lgb_trees'] as number, unit: 'trees' },
        { name: 'LightGBM test AUC', value: lgbAuc, unit: '' },
        { name: 'LightGBM test log loss', value: python['lgb_logloss'] as number, unit: '' },
        { name: 'LightGBM test Brier', value: python['lgb_brier'] as number, unit: '' },
        { name: 'GBDT AUC minus LightGBM AUC', value: gbdtTest.auc - lgbAuc, unit: '', target: '≥ -0.005' },
        { name: 'GBDT time / LightGBM time', value: gbdt.seconds / lgbSeconds, unit: '×', target: '≤ 3' },
        { name: `scikit-learn ${String(python['sklearn'])} LR training time`, value: python['lr_s'] as number, unit: 's' },
        { name: 'scikit-learn LR test AUC', value: python['lr_auc'] as number, unit: '' },
        { name: 'scikit-learn LR test log loss', value: python['lr_logloss'] as number, unit: '' },
        { name: 'scikit-learn LR test Brier', value: python['lr_brier'] as number, unit: '' },
      );
    }
    reportResults('training', measurements);
  } finally {
    await client.close();
  }
}

function mean(values: Float64Array): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

const workDir = join('.tributary', 'bench-training');
const pythonPackages = ['lightgbm==4.6.0', 'scikit-learn==1.5.2', 'numpy==2.2.6', 'pandas==2.2.3'];

/** LightGBM with our tree settings (leaves, rate, leaf size, λ, bins, categorical smoothing, patience); LR with the same L2 (C = 1/(λ·n)). */
const pythonScript = `
import json, sys, time
import numpy as np, pandas as pd, lightgbm, sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, log_loss, brier_score_loss
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
d, l2, cat = sys.argv[1], float(sys.argv[2]), sys.argv[3].split(",")
load = lambda name: pd.read_csv(f"{d}/{name}.csv")
tr, va, te = load("train"), load("validation"), load("test")
features = [c for c in tr.columns if c != "label"]
num = [c for c in features if c not in cat]
for frame in (tr, va, te):
    for c in cat: frame[c] = frame[c].fillna(-1).astype("int64")
t, c = time.time(), time.process_time()
m = lightgbm.LGBMClassifier(n_estimators=${gbdtOptions.maxRounds}, learning_rate=${gbdtOptions.learningRate}, num_leaves=${gbdtOptions.maxLeaves},
    min_child_samples=${gbdtOptions.minSamplesLeaf}, reg_lambda=${gbdtOptions.lambda}, max_bin=255, cat_smooth=10, cat_l2=10, max_cat_threshold=32,
    n_jobs=2, verbose=-1, random_state=1)
m.fit(tr[features], tr["label"], eval_set=[(va[features], va["label"])], categorical_feature=cat,
    callbacks=[lightgbm.early_stopping(${gbdtOptions.earlyStoppingRounds}, verbose=False)])
lgb_s = time.time() - t; lgb_cpu = time.process_time() - c
p = m.predict_proba(te[features])[:, 1]
pre = ColumnTransformer([("num", make_pipeline(SimpleImputer(), StandardScaler()), num), ("cat", OneHotEncoder(handle_unknown="ignore", max_categories=1000), cat)])
t = time.time()
lr = make_pipeline(pre, LogisticRegression(C=1 / (l2 * len(tr)), max_iter=${lrOptions.maxIterations}))
lr.fit(tr[features], tr["label"])
lr_s = time.time() - t
q = lr.predict_proba(te[features])[:, 1]
y = te["label"]
print(json.dumps({"lightgbm": lightgbm.__version__, "sklearn": sklearn.__version__, "lgb_s": lgb_s, "lgb_cpu": lgb_cpu, "lgb_trees": m.best_iteration_,
  "lgb_auc": roc_auc_score(y, p), "lgb_logloss": log_loss(y, p), "lgb_brier": brier_score_loss(y, p),
  "lr_s": lr_s, "lr_auc": roc_auc_score(y, q), "lr_logloss": log_loss(y, q), "lr_brier": brier_score_loss(y, q)}))
`;

/** Installs the Python side once, exports the split, runs LightGBM and scikit-learn on it. */
async function compareWithPython(split: { train: LabeledDataset; validation: LabeledDataset; holdout: LabeledDataset }): Promise<Record<string, unknown>> {
  mkdirSync(workDir, { recursive: true });
  const python = benchPython(pythonPackages);
  await writeCsv(join(workDir, 'train.csv'), split.train.matrix, split.train.labels);
  await writeCsv(join(workDir, 'validation.csv'), split.validation.matrix, split.validation.labels);
  await writeCsv(join(workDir, 'test.csv'), split.holdout.matrix, split.holdout.labels);
  writeFileSync(join(workDir, 'compare.py'), pythonScript);
  const categorical = split.train.matrix.featureNames.filter((_, f) => split.train.matrix.categorical[f]);
  const output = execFileSync(python, [join(workDir, 'compare.py'), workDir, String(lrOptions.l2), categorical.join(',')], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(output.trim().split('\n').at(-1) as string) as Record<string, unknown>;
}

