import { readFileSync } from 'node:fs';
import { createFeatureMatrix, type FeatureMatrix } from '../feature-matrix.js';
import type { GbdtModelJson } from '../gbdt/gbdt-model.js';
import type { LogisticRegressionModelJson } from '../linear/logistic-regression-model.js';
import type { PackedRows } from '../onnx/onnx-predictor.js';

/** What `shap` computed for one model of the fixture. */
export interface ShapReference<M> {
  readonly model: M;
  readonly expectedValue: number;
  /** One row of values per explained row, in the model's feature order. */
  readonly shapValues: number[][];
}

/** `fixtures/shap-values.json`, made by `npm run bench -- explain-fixtures` (see tools/bench/src/explain-fixtures.ts). */
export interface ShapFixture {
  readonly featureNames: string[];
  /** Float32 values, null for missing. */
  readonly rows: (number | null)[][];
  readonly gbdt: ShapReference<GbdtModelJson>;
  readonly logisticRegression: ShapReference<LogisticRegressionModelJson>;
}

export function loadShapFixture(): ShapFixture {
  return JSON.parse(readFileSync(new URL('./fixtures/shap-values.json', import.meta.url), 'utf8')) as ShapFixture;
}

/** The fixture's rows as the explainers read them. */
export function packedRows(fixture: ShapFixture): PackedRows {
  return { values: Float32Array.from(fixture.rows.flat(), (x) => x ?? Number.NaN), rowCount: fixture.rows.length };
}

/** The fixture's rows as the models predict them. */
export function rowMatrix(fixture: ShapFixture, categorical: readonly boolean[]): FeatureMatrix {
  return createFeatureMatrix({
    featureNames: fixture.featureNames,
    columns: fixture.featureNames.map((_, f) => Float64Array.from(fixture.rows, (row) => row[f] ?? Number.NaN)),
    categoricalFeatures: fixture.featureNames.filter((_, f) => categorical[f]),
  });
}
