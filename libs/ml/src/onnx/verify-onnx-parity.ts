import { OnnxParityError } from '../errors.js';
import type { FeatureMatrix } from '../feature-matrix.js';
import type { GbdtModel } from '../gbdt/gbdt-model.js';
import type { LogisticRegressionModel } from '../linear/logistic-regression-model.js';
import { createOnnxPredictor } from './onnx-predictor.js';

/** Options of {@link verifyOnnxParity}. */
export interface OnnxParityOptions {
  /** Largest allowed absolute difference of probabilities (values, for regression). Default 1e-5. */
  readonly tolerance?: number;
}

/** How closely ONNX Runtime reproduced the TypeScript model. */
export interface OnnxParityReport {
  readonly rowCount: number;
  readonly maxAbsDiff: number;
  /** Row where the largest difference occurred. */
  readonly worstRow: number;
}

/**
 * Runs the exported model in ONNX Runtime on `rows` and compares its
 * probabilities (or regression values) with the TypeScript model's. Throws
 * {@link OnnxParityError} when any row differs by more than the tolerance,
 * so a trainer never registers a model the inference service would not reproduce.
 */
export async function verifyOnnxParity(
  model: GbdtModel | LogisticRegressionModel,
  onnxBytes: Uint8Array,
  rows: FeatureMatrix,
  options: OnnxParityOptions = {},
): Promise<OnnxParityReport> {
  const { tolerance = 1e-5 } = options;
  const isRegression = model.kind === 'gbdt' && model.objective === 'regression';
  const expected = model.kind === 'gbdt' ? model.predict(rows) : model.predictProba(rows);
  const predictor = await createOnnxPredictor(onnxBytes);
  let actual: Float64Array;
  try {
    actual = isRegression ? await predictor.predictValues(rows) : await predictor.predictProba(rows);
  } finally {
    await predictor.close();
  }
  let maxAbsDiff = 0;
  let worstRow = -1;
  for (let r = 0; r < expected.length; r++) {
    const diff = Math.abs((expected[r] as number) - (actual[r] as number));
    // NaN (a broken export) must fail, so compare with `!(diff <= max)`.
    if (!(diff <= maxAbsDiff)) {
      maxAbsDiff = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff;
      worstRow = r;
    }
  }
  if (maxAbsDiff > tolerance) throw new OnnxParityError(maxAbsDiff, tolerance);
  return { rowCount: expected.length, maxAbsDiff, worstRow };
}
