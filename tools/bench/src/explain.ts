/**
 * `npm run bench -- explain`: what an exact explanation costs on the flights
 * GBDT the inference benchmark serves (several hundred trees, 33 features;
 * see flights-gbdt.ts), beside the `shap` package's TreeExplainer (its C++
 * TreeSHAP) on the same model and rows, and beside a plain ONNX Runtime
 * prediction of one row. Both explainers get the same 2,000 holdout rows in
 * one call (per-row CPU time, best of three: the ratio) and one row per call
 * (mean CPU time, and wall p50, what a request pays; the explain vs predict
 * ratio is of CPU times, steadier than wall times on a shared machine). The
 * values of our TreeSHAP are checked against shap's on the first rows and
 * against the model's margin on all of them. Part of `npm run bench -- scoring`
 * (bench-results/scoring.json); alone, it writes `bench-results/explain.json`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONNX_METADATA_KEYS, createOnnxPredictor, explainerFromOnnx, readOnnxMetadata } from '@tributary/ml';
import { benchPython } from './bench-venv.js';
import { SHAP_PACKAGES } from './explain-fixtures.js';
import { flightsGbdt } from './flights-gbdt.js';
import { percentile, reportResults } from './results.js';
import type { ScoringBenchPart, ScoringPartResult } from './scoring-bench-part.js';

const SHAP_BENCH_SCRIPT = join('tools', 'bench', 'python', 'explain_bench.py');
/** One-row calls timed, each side. */
const singleRows = 300;
/** Rows whose values are compared with shap's (each needs an explainer of its own in Python). */
const checkRows = 20;

interface ShapAnswer {
  readonly shapVersion: string;
  readonly batchPerRowMs: number;
  readonly singleRowP50Ms: number;
  readonly singleRowCpuMs: number;
  readonly checkedValues: number[][];
  readonly expectedValue: number;
}

/** Measures TreeSHAP beside shap and beside a prediction; see the module comment. */
export async function measureExplanations(): Promise<ScoringPartResult> {
  const model = await flightsGbdt();
  const explainer = explainerFromOnnx(model.onnx);
  const featureCount = model.featureNames.length;
  const rows = { values: model.rows, rowCount: model.rowCount };
  const rowAt = (r: number) => ({ values: model.rows.subarray(r * featureCount, (r + 1) * featureCount), rowCount: 1 });
  console.log(`flights GBDT: ${model.trees} trees, ${featureCount} features, ${model.rowCount} holdout rows`);

  explainer.explain({ values: model.rows.subarray(0, 50 * featureCount), rowCount: 50 });
  // CPU time, as shap's side measures it: steadier than wall time on a machine other work shares.
  let batchPerRowMs = Number.POSITIVE_INFINITY;
  let explanation = explainer.explain(rows);
  for (let i = 0; i < 3; i++) {
    const cpu = process.cpuUsage();
    explanation = explainer.explain(rows);
    batchPerRowMs = Math.min(batchPerRowMs, cpuMs(process.cpuUsage(cpu)) / model.rowCount);
  }
  const single: number[] = [];
  const singleCpu = process.cpuUsage();
  for (let r = 0; r < singleRows; r++) {
    const start = performance.now();
    explainer.explain(rowAt(r));
    single.push(performance.now() - start);
  }
  const singleCpuMs = cpuMs(process.cpuUsage(singleCpu)) / singleRows;
  let additivity = 0;
  for (let r = 0; r < model.rowCount; r++) {
    let sum = explanation.baseValue;
    for (let f = 0; f < featureCount; f++) sum += explanation.contributions[r * featureCount + f] as number;
    additivity = Math.max(additivity, Math.abs(sum - (explanation.margins[r] as number)));
  }

  const predictor = await createOnnxPredictor(model.onnx);
  const predictions: number[] = [];
  let predictCpuMs = 0;
  try {
    for (let i = 0; i < 100; i++) await predictor.predictProba(rowAt(i));
    const predictCpu = process.cpuUsage();
    for (let i = 0; i < singleRows; i++) {
      const start = performance.now();
      await predictor.predictProba(rowAt(i % model.rowCount));
      predictions.push(performance.now() - start);
    }
    predictCpuMs = cpuMs(process.cpuUsage(predictCpu)) / singleRows;
  } finally {
    await predictor.close();
  }

  const shap = askShap(model.onnx, model.rows, featureCount);
  if (shap.checkedValues.length !== checkRows) throw new Error(`shap explained ${shap.checkedValues.length} rows, not ${checkRows}`);
  let maxDiff = 0;
  shap.checkedValues.forEach((values, r) =>
    values.forEach((value, f) => (maxDiff = Math.max(maxDiff, Math.abs(value - (explanation.contributions[r * featureCount + f] as number))))),
  );
  const singleP50 = percentile(single, 50);
  const predictP50 = percentile(predictions, 50);
  return {
    measurements: [
      { name: 'treeshap per row ms', value: batchPerRowMs, unit: 'ms CPU' },
      { name: 'shap treeexplainer per row ms', value: shap.batchPerRowMs, unit: 'ms CPU' },
      { name: 'treeshap vs shap ratio', value: batchPerRowMs / shap.batchPerRowMs, unit: '×', target: '≤ 1' },
      { name: 'treeshap single row ms', value: singleCpuMs, unit: 'ms CPU' },
      { name: 'shap treeexplainer single row ms', value: shap.singleRowCpuMs, unit: 'ms CPU' },
      { name: 'onnxruntime predict 1 row ms', value: predictCpuMs, unit: 'ms CPU' },
      { name: 'explain cost vs predict ratio', value: singleCpuMs / predictCpuMs, unit: '×' },
      { name: 'treeshap single row p50 ms', value: singleP50, unit: 'ms' },
      { name: 'shap treeexplainer single row p50 ms', value: shap.singleRowP50Ms, unit: 'ms' },
      { name: 'onnxruntime predict 1 row p50 ms', value: predictP50, unit: 'ms' },
      { name: `max abs diff vs shap (${checkRows} rows)`, value: maxDiff, unit: 'log-odds', target: '≤ 1e-6' },
      { name: 'max additivity error', value: additivity, unit: 'log-odds', target: '≤ 1e-6' },
    ],
    conditions: { explainedModel: `flights GBDT, ${model.trees} trees, ${featureCount} features`, explainedRows: model.rowCount, shap: shap.shapVersion },
  };
}

/** The explanations part of the scoring benchmark (scoring.ts). */
export const explanationsPart: ScoringBenchPart = { name: 'explanations', run: measureExplanations };

/** `npm run bench -- explain`: this part alone, to bench-results/explain.json. */
export async function run(): Promise<void> {
  const { measurements, conditions } = await measureExplanations();
  reportResults('explain', measurements, { conditions: { ...conditions, 'load average (1 min) at the end, 2 cores': loadavg()[0] as number } });
}

const cpuMs = (used: NodeJS.CpuUsage) => (used.user + used.system) / 1000;

function askShap(onnx: Uint8Array, values: Float32Array, featureCount: number): ShapAnswer {
  const python = benchPython(SHAP_PACKAGES);
  const dir = mkdtempSync(join(tmpdir(), 'explain-bench-'));
  try {
    const request = join(dir, 'request.json');
    const answer = join(dir, 'answer.json');
    const rows = Array.from({ length: values.length / featureCount }, (_, r) =>
      Array.from(values.subarray(r * featureCount, (r + 1) * featureCount), (x) => (Number.isNaN(x) ? null : x)),
    );
    const model = JSON.parse(readOnnxMetadata(onnx).props[ONNX_METADATA_KEYS.modelJson] as string) as unknown;
    writeFileSync(request, JSON.stringify({ model, rows, singleRows, checkRows }));
    console.log(`timing shap's TreeExplainer on the same rows (${SHAP_BENCH_SCRIPT})`);
    execFileSync(python, [SHAP_BENCH_SCRIPT, request, answer], { stdio: 'inherit' });
    return JSON.parse(readFileSync(answer, 'utf8')) as ShapAnswer;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
