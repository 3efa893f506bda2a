import type { FeatureMatrix } from '../feature-matrix.js';

/** A numeric feature enters a linear model standardised: `(fround(x) − mean) / scale`, and 0 when missing. */
export interface NumericEncoding {
  readonly feature: number;
  readonly mean: number;
  /** Standard deviation in training, or 1 for a constant feature. */
  readonly scale: number;
}

/**
 * A categorical feature enters one-hot: one indicator per listed category.
 * Categories not listed (unseen, too rare) and missing values make all
 * indicators 0, i.e. they get the baseline of the intercept.
 */
export interface CategoricalEncoding {
  readonly feature: number;
  /** Codes with an indicator, most frequent first. */
  readonly categories: Float64Array;
  /** Training rows per listed category, for importance. */
  readonly counts: Float64Array;
}

/**
 * How a feature matrix becomes the design matrix of a linear model. Columns
 * of the design: the numeric features in order, then each categorical
 * feature's indicators.
 */
export interface LinearEncoding {
  readonly numeric: readonly NumericEncoding[];
  readonly categorical: readonly CategoricalEncoding[];
  /** Number of design columns (= coefficients). */
  readonly width: number;
  /**
   * Rows the encoding was fitted on: with the category counts, the training
   * mean of each indicator, which linear explanations measure against.
   * Absent in models trained before it was kept.
   */
  readonly trainingRows?: number;
}

/** The design matrix in compact form: standardised numeric columns and, per categorical feature, the active design column. */
export interface EncodedRows {
  readonly rowCount: number;
  readonly numeric: readonly Float64Array[];
  /** Per categorical feature and row: index of the design column set to 1, or −1 when none is. */
  readonly activeColumn: readonly Int32Array[];
}

/** Learns standardisation and category lists from training data. */
export function fitLinearEncoding(matrix: FeatureMatrix, maxCategoriesPerFeature: number): LinearEncoding {
  const numeric: NumericEncoding[] = [];
  const categorical: CategoricalEncoding[] = [];
  matrix.columns.forEach((column, feature) => {
    if (!matrix.categorical[feature]) {
      numeric.push({ feature, ...meanAndScale(column) });
      return;
    }
    const counts = new Map<number, number>();
    for (const x of column) if (!Number.isNaN(x)) counts.set(x, (counts.get(x) ?? 0) + 1);
    const kept = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxCategoriesPerFeature);
    categorical.push({
      feature,
      categories: Float64Array.from(kept, ([code]) => code),
      counts: Float64Array.from(kept, ([, count]) => count),
    });
  });
  const width = numeric.length + categorical.reduce((sum, c) => sum + c.categories.length, 0);
  return { numeric, categorical, width, trainingRows: matrix.rowCount };
}

function meanAndScale(column: Float64Array): { mean: number; scale: number } {
  let n = 0;
  let sum = 0;
  for (const x of column) {
    if (Number.isNaN(x)) continue;
    n++;
    sum += Math.fround(x);
  }
  if (n === 0) return { mean: 0, scale: 1 };
  const mean = sum / n;
  let squares = 0;
  for (const x of column) {
    if (Number.isNaN(x)) continue;
    const d = Math.fround(x) - mean;
    squares += d * d;
  }
  const std = Math.sqrt(squares / n);
  return { mean, scale: std > 0 ? std : 1 };
}

/**
 * Encodes rows as the exported ONNX graph does: inputs read as float32, then
 * standardised in float64, missing numeric values imputed with the mean (0).
 */
export function encodeRows(encoding: LinearEncoding, matrix: FeatureMatrix): EncodedRows {
  const numeric = encoding.numeric.map(({ feature, mean, scale }) => {
    const column = matrix.columns[feature] as Float64Array;
    const z = new Float64Array(matrix.rowCount);
    for (let r = 0; r < z.length; r++) {
      const x = column[r] as number;
      z[r] = Number.isNaN(x) ? 0 : (Math.fround(x) - mean) / scale;
    }
    return z;
  });
  let firstColumn = encoding.numeric.length;
  const activeColumn = encoding.categorical.map(({ feature, categories }) => {
    const columnOf = new Map<number, number>();
    categories.forEach((code, j) => columnOf.set(code, firstColumn + j));
    firstColumn += categories.length;
    const column = matrix.columns[feature] as Float64Array;
    return Int32Array.from(column, (x) => columnOf.get(Math.fround(x)) ?? -1);
  });
  return { rowCount: matrix.rowCount, numeric, activeColumn };
}

/** Linear scores `intercept + Σ coefficient · design column` of encoded rows, written into `scores` when given. */
export function linearScores(
  rows: EncodedRows,
  coefficients: Float64Array,
  intercept: number,
  scores = new Float64Array(rows.rowCount),
): Float64Array {
  scores.fill(intercept);
  rows.numeric.forEach((z, j) => {
    const w = coefficients[j] as number;
    for (let r = 0; r < scores.length; r++) scores[r]! += w * (z[r] as number);
  });
  for (const active of rows.activeColumn) {
    for (let r = 0; r < scores.length; r++) {
      const j = active[r] as number;
      if (j >= 0) scores[r]! += coefficients[j] as number;
    }
  }
  return scores;
}
