import { InvalidDatasetError } from '../errors.js';
import type { PackedRows } from '../onnx/onnx-predictor.js';

/**
 * Per-feature contributions of rows, in the model's margin space (log-odds
 * for a classifier): for every row, `baseValue + Σ contributions = margin`.
 */
export interface Explanation {
  readonly rowCount: number;
  readonly featureCount: number;
  /** The expected margin the contributions start from, the same for every row. */
  readonly baseValue: number;
  /** Row-major, `featureCount` per row, in the model's feature order. */
  readonly contributions: Float64Array;
  /** The model's own margin of each row (computed by the model, not summed from the contributions). */
  readonly margins: Float64Array;
}

/** Explains rows of one model. */
export interface Explainer {
  /** `tree_shap` (path-dependent TreeSHAP) or `linear` (linear Shapley values). */
  readonly method: 'tree_shap' | 'linear';
  readonly featureNames: readonly string[];
  /** The expected margin every explanation starts from. */
  readonly baseValue: number;
  /** Contributions of row-major float32 rows (NaN = missing), the ONNX input layout. */
  explain(rows: PackedRows): Explanation;
}

/** Throws {@link InvalidDatasetError} unless `rows` holds `rowCount` whole rows of `featureCount` values. */
export function assertRowWidth(rows: PackedRows, featureCount: number): void {
  if (rows.values.length !== rows.rowCount * featureCount) {
    throw new InvalidDatasetError(`${rows.values.length} values are not ${rows.rowCount} rows of ${featureCount} features`);
  }
}
