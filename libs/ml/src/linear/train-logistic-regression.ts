import { InvalidOptionsError } from '../errors.js';
import { assertBinaryLabels, type FeatureMatrix } from '../feature-matrix.js';
import { minimizeLbfgs } from './lbfgs.js';
import { encodeRows, fitLinearEncoding, linearScores } from './linear-encoding.js';
import { LogisticRegressionModel } from './logistic-regression-model.js';

/** Options of {@link trainLogisticRegression}. */
export interface LogisticRegressionOptions {
  /**
   * L2 penalty λ in `mean log loss + λ/2 · ‖w‖²` (the intercept is not
   * penalised). scikit-learn's `C` on n rows is λ = 1 / (C · n). Default 1e-4.
   */
  readonly l2?: number;
  /** Most L-BFGS iterations. Default 200. */
  readonly maxIterations?: number;
  /** Stop when every gradient component is below this. Default 1e-6. */
  readonly gradientTolerance?: number;
  /** Most frequent categories per categorical feature that get an indicator. Default 1000. */
  readonly maxCategoriesPerFeature?: number;
}

/**
 * Trains an L2-regularised logistic regression with L-BFGS. Numeric features
 * are standardised inside the model (missing → mean), categorical ones
 * one-hot encoded (unseen or missing → no indicator). Deterministic: no
 * randomness is involved.
 */
export function trainLogisticRegression(
  data: FeatureMatrix,
  labels: ArrayLike<number>,
  options: LogisticRegressionOptions = {},
): LogisticRegressionModel {
  const { l2 = 1e-4, maxIterations = 200, gradientTolerance = 1e-6, maxCategoriesPerFeature = 1000 } = options;
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new InvalidOptionsError('l2', `must be ≥ 0, got ${l2}`);
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) {
    throw new InvalidOptionsError('maxIterations', `must be a positive integer, got ${maxIterations}`);
  }
  if (!(gradientTolerance > 0)) throw new InvalidOptionsError('gradientTolerance', `must be > 0, got ${gradientTolerance}`);
  if (!(Number.isInteger(maxCategoriesPerFeature) && maxCategoriesPerFeature >= 0)) {
    throw new InvalidOptionsError('maxCategoriesPerFeature', `must be a non-negative integer, got ${maxCategoriesPerFeature}`);
  }
  assertBinaryLabels(labels, data.rowCount);

  const encoding = fitLinearEncoding(data, maxCategoriesPerFeature);
  const rows = encodeRows(encoding, data);
  const n = data.rowCount;
  const width = encoding.width;
  const residual = new Float64Array(n);
  const scores = new Float64Array(n);

  // Parameters: coefficients, then the intercept last.
  const objective = (params: Float64Array, gradient: Float64Array): number => {
    const coefficients = params.subarray(0, width);
    const intercept = params[width] as number;
    linearScores(rows, coefficients, intercept, scores);
    let loss = 0;
    let interceptGradient = 0;
    for (let r = 0; r < n; r++) {
      const z = scores[r] as number;
      const y = labels[r] as number;
      // One exponential serves both the stable log loss and the sigmoid.
      const e = Math.exp(-Math.abs(z));
      loss += Math.max(z, 0) + Math.log1p(e) - y * z;
      const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      const d = (p - y) / n;
      residual[r] = d;
      interceptGradient += d;
    }
    rows.numeric.forEach((z, j) => {
      let sum = 0;
      for (let r = 0; r < n; r++) sum += (residual[r] as number) * (z[r] as number);
      gradient[j] = sum;
    });
    gradient.fill(0, rows.numeric.length, width);
    for (const active of rows.activeColumn) {
      for (let r = 0; r < n; r++) {
        const j = active[r] as number;
        if (j >= 0) gradient[j]! += residual[r] as number;
      }
    }
    let penalty = 0;
    for (let j = 0; j < width; j++) {
      const w = coefficients[j] as number;
      penalty += w * w;
      gradient[j]! += l2 * w;
    }
    gradient[width] = interceptGradient;
    return loss / n + (l2 / 2) * penalty;
  };

  const { point } = minimizeLbfgs(objective, new Float64Array(width + 1), { maxIterations, gradientTolerance });
  return new LogisticRegressionModel({
    featureNames: data.featureNames,
    categorical: data.categorical,
    encoding,
    coefficients: point.slice(0, width),
    intercept: point[width] as number,
  });
}
