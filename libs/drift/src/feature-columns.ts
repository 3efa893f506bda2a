import { InvalidColumnsError } from './errors.js';

/** The values of one numeric feature, one per row; NaN (or any non-finite value) means missing. */
export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  readonly values: ArrayLike<number>;
}

/**
 * The values of one categorical feature, one per row: labels (`"ORD"`) or
 * integer codes (`17`, compared as the label `"17"`). NaN, null and undefined
 * mean missing.
 */
export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  readonly values: ArrayLike<CategoryValue>;
}

/** One value of a categorical feature: a label, a code, or missing. */
export type CategoryValue = string | number | null | undefined;

/** One feature's values, one per row. */
export type FeatureColumn = NumericColumn | CategoricalColumn;

/**
 * A columnar feature table as `@tributary/ml` keeps it (its `FeatureMatrix`):
 * one array per feature, categorical ones holding category codes.
 */
export interface FeatureMatrixLike {
  readonly featureNames: readonly string[];
  readonly columns: readonly ArrayLike<number>[];
  /** One flag per feature: true when the column holds category codes. */
  readonly categorical: readonly boolean[];
}

/** Feature values as named columns, or as a feature matrix of `@tributary/ml`. */
export type FeatureColumns = readonly FeatureColumn[] | FeatureMatrixLike;

/** Columns with unique names and one row count. */
export interface CheckedColumns {
  readonly columns: readonly FeatureColumn[];
  /** Rows of every column; `undefined` when there are no columns. */
  readonly rowCount: number | undefined;
}

/** Turns either form of {@link FeatureColumns} into named columns, checking names and lengths. */
export function checkFeatureColumns(input: FeatureColumns): CheckedColumns {
  const columns = isFeatureMatrix(input) ? matrixColumns(input) : input;
  const names = new Set<string>();
  let rowCount: number | undefined;
  for (const column of columns) {
    if (column.name === '') throw new InvalidColumnsError('a feature column has no name');
    if (names.has(column.name)) throw new InvalidColumnsError(`feature ${column.name} is given twice`, column.name);
    names.add(column.name);
    rowCount ??= column.values.length;
    if (column.values.length !== rowCount) {
      throw new InvalidColumnsError(`column ${column.name} has ${column.values.length} rows, expected ${rowCount}`, column.name);
    }
  }
  return { columns, rowCount };
}

function isFeatureMatrix(input: FeatureColumns): input is FeatureMatrixLike {
  return !Array.isArray(input);
}

function matrixColumns(matrix: FeatureMatrixLike): FeatureColumn[] {
  const { featureNames, columns, categorical } = matrix;
  if (columns.length !== featureNames.length || categorical.length !== featureNames.length) {
    throw new InvalidColumnsError(
      `${featureNames.length} feature names, ${columns.length} columns and ${categorical.length} categorical flags`,
    );
  }
  return featureNames.map((name, f) => {
    const values = columns[f] as ArrayLike<number>;
    return categorical[f] ? { name, kind: 'categorical', values } : { name, kind: 'numeric', values };
  });
}
