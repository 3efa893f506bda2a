/**
 * Evidently's data drift report beside our window evaluation: the same
 * reference and window written once as CSV, Evidently's `Report` with
 * `DataDriftPreset` run on them in the benchmarks' virtual environment
 * (tools/bench/python/drift_evidently.py), only the report timed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeatureMatrix } from '@tributary/ml';
import { benchPython } from './bench-venv.js';
import { writeCsv } from './write-csv.js';

/** What the comparison needs installed; pandas as the training benchmark pins it, so the two do not reinstall each other's. */
export const EVIDENTLY_PACKAGES = ['evidently==0.7.23', 'numpy==2.2.6', 'pandas==2.2.3', 'scipy==1.17.1'];

const EVIDENTLY_SCRIPT = join('tools', 'bench', 'python', 'drift_evidently.py');

/** A table as both sides see it: the features and, as one more numeric column, the predicted probability. */
export interface DriftTable {
  readonly matrix: FeatureMatrix;
  readonly predictions: Float64Array;
}

/** Options of {@link runEvidentlyReport}. */
export interface EvidentlyReportOptions {
  readonly reference: DriftTable;
  readonly current: DriftTable;
  /** Column name the predictions get. */
  readonly predictionColumn: string;
  /** Evidently's stat test for numeric columns, e.g. "wasserstein" (normed Wasserstein). */
  readonly numMethod: string;
  /** Evidently's stat test for categorical columns, e.g. "jensenshannon". */
  readonly catMethod: string;
  /** Report runs timed. */
  readonly repetitions: number;
}

/** What Evidently answered. */
export interface EvidentlyReport {
  /** Wall time of each `Report.run`, ms. */
  readonly wallMs: number[];
  /** CPU time of each `Report.run`, ms. */
  readonly cpuMs: number[];
  /** Drift score per column (the stat test's statistic). */
  readonly scores: Readonly<Record<string, number>>;
  readonly versions: Readonly<Record<string, string>>;
}

/** Writes both tables as CSV, installs Evidently if missing, and runs its report `repetitions` times. */
export async function runEvidentlyReport(options: EvidentlyReportOptions): Promise<EvidentlyReport> {
  const python = benchPython(EVIDENTLY_PACKAGES);
  const dir = mkdtempSync(join(tmpdir(), 'bench-drift-evidently-'));
  try {
    const withPredictions = ({ matrix, predictions }: DriftTable): FeatureMatrix => ({
      ...matrix,
      featureNames: [...matrix.featureNames, options.predictionColumn],
      columns: [...matrix.columns, predictions],
      categorical: [...matrix.categorical, false],
    });
    const files = { reference: join(dir, 'reference.csv'), current: join(dir, 'current.csv') };
    // writeCsv appends a label column; Evidently is not given it.
    for (const side of ['reference', 'current'] as const) {
      const table = withPredictions(options[side]);
      await writeCsv(files[side], table, new Float64Array(table.rowCount).fill(Number.NaN));
    }
    const { featureNames, categorical } = withPredictions(options.reference);
    const request = {
      ...files,
      numerical: featureNames.filter((_, f) => !categorical[f]),
      categorical: featureNames.filter((_, f) => categorical[f]),
      numMethod: options.numMethod,
      catMethod: options.catMethod,
      repetitions: options.repetitions,
    };
    writeFileSync(join(dir, 'request.json'), JSON.stringify(request));
    const answer = join(dir, 'answer.json');
    // DO_NOT_TRACK: Evidently's usage telemetry stays off (nothing leaves this machine).
    execFileSync(python, [EVIDENTLY_SCRIPT, join(dir, 'request.json'), answer], { stdio: 'inherit', env: { ...process.env, DO_NOT_TRACK: '1' } });
    return JSON.parse(readFileSync(answer, 'utf8')) as EvidentlyReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
