import { FeatureMismatchError, InvalidDatasetError } from './errors.js';

/**
 * A columnar table of features: one Float64Array per feature, all of the same
 * length. `NaN` means missing. A categorical feature holds category codes:
 * integers in [0, 2^24) so that they stay exact in the float32 input of the
 * exported ONNX model.
 */
export interface FeatureMatrix {
  readonly featureNames: readonly string[];
  readonly columns: readonly Float64Array[];
  /** One flag per feature: true when the column holds category codes. */
  readonly categorical: readonly boolean[];
  readonly rowCount: number;
}

/** Options of {@link createFeatureMatrix}. */
export interface FeatureMatrixOptions {
  readonly featureNames: readonly string[];
  /** One column per feature; values finite or NaN (missing), within the float32 range. */
  readonly columns: readonly Float64Array[];
  /** Names of the categorical features. Default: none. */
  readonly categoricalFeatures?: readonly string[];
}

/** The largest category code; codes above it would not survive the float32 input of ONNX. */
export const MAX_CATEGORY_CODE = 2 ** 24 - 1;

/** Builds a {@link FeatureMatrix}, checking names, column lengths and category codes. */
export function createFeatureMatrix(options: FeatureMatrixOptions): FeatureMatrix {
  const { featureNames, columns, categoricalFeatures = [] } = options;
  if (featureNames.length === 0) throw new InvalidDatasetError('a feature matrix needs at least one feature');
  if (featureNames.length !== columns.length) {
    throw new InvalidDatasetError(`${featureNames.length} feature names but ${columns.length} columns`);
  }
  if (new Set(featureNames).size !== featureNames.length) throw new InvalidDatasetError('feature names must be unique');
  for (const name of categoricalFeatures) {
    if (!featureNames.includes(name)) throw new InvalidDatasetError(`unknown categorical feature ${name}`, name);
  }
  const rowCount = columns[0]?.length ?? 0;
  const categorical = featureNames.map((name) => categoricalFeatures.includes(name));
  columns.forEach((column, f) => {
    const name = featureNames[f] as string;
    if (column.length !== rowCount) {
      throw new InvalidDatasetError(`column ${name} has ${column.length} rows, expected ${rowCount}`, name);
    }
    if (categorical[f]) assertCategoryCodes(column, name);
    else assertFloat32Range(column, name);
  });
  return { featureNames: [...featureNames], columns: [...columns], categorical, rowCount };
}

/** Numeric values must stay finite in the float32 input of ONNX; NaN (missing) is fine. */
function assertFloat32Range(column: Float64Array, name: string): void {
  for (const value of column) {
    if (Math.abs(value) > FLOAT32_MAX) {
      throw new InvalidDatasetError(`numeric feature ${name} has ${value}, outside the float32 range; use NaN for missing`, name);
    }
  }
}

/** The largest finite float32 number. */
const FLOAT32_MAX = 3.4028234663852886e38;

function assertCategoryCodes(column: Float64Array, name: string): void {
  for (const value of column) {
    if (Number.isNaN(value)) continue;
    if (!Number.isInteger(value) || value < 0 || value > MAX_CATEGORY_CODE) {
      throw new InvalidDatasetError(`categorical feature ${name} has code ${value}; codes are integers in [0, 2^24)`, name);
    }
  }
}

/** The rows at `indices`, in that order, as a new matrix. */
export function selectRows(matrix: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const columns = matrix.columns.map((column) => {
    const out = new Float64Array(indices.length);
    for (let i = 0; i < indices.length; i++) out[i] = column[indices[i] as number] as number;
    return out;
  });
  return { ...matrix, columns, rowCount: indices.length };
}

/** Checks that binary labels are 0 or 1 and match the matrix's row count. */
export function assertBinaryLabels(labels: ArrayLike<number>, rowCount: number): void {
  assertLabelCount(labels, rowCount);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new InvalidDatasetError(`label ${i} is ${y}; binary labels are 0 or 1`);
  }
}

/** Checks that regression targets are finite and match the matrix's row count. */
export function assertRegressionTargets(targets: ArrayLike<number>, rowCount: number): void {
  assertLabelCount(targets, rowCount);
  for (let i = 0; i < targets.length; i++) {
    if (!Number.isFinite(targets[i])) throw new InvalidDatasetError(`target ${i} is ${targets[i]}; targets must be finite`);
  }
}

function assertLabelCount(labels: ArrayLike<number>, rowCount: number): void {
  if (labels.length !== rowCount) throw new InvalidDatasetError(`${labels.length} labels for ${rowCount} rows`);
  if (rowCount === 0) throw new InvalidDatasetError('no rows');
}

/** Throws unless `matrix` has exactly the features, in order and kind, that a model was trained on. */
export function assertSameFeatures(
  expectedNames: readonly string[],
  expectedCategorical: readonly boolean[],
  matrix: FeatureMatrix,
): void {
  const same =
    expectedNames.length === matrix.featureNames.length &&
    expectedNames.every((name, f) => name === matrix.featureNames[f] && expectedCategorical[f] === matrix.categorical[f]);
  if (!same) {
    const describe = (names: readonly string[], flags: readonly boolean[]) =>
      names.map((name, f) => (flags[f] ? `${name} (categorical)` : name));
    throw new FeatureMismatchError(
      describe(expectedNames, expectedCategorical),
      describe(matrix.featureNames, matrix.categorical),
    );
  }
}
