import { ModelFormatError } from '../errors.js';
import { assertSameFeatures, type FeatureMatrix } from '../feature-matrix.js';
import { normaliseImportance, type BinaryClassifier, type FeatureImportance } from '../model.js';
import { sigmoid } from '../gbdt/objective.js';
import { encodeRows, linearScores, type LinearEncoding } from './linear-encoding.js';

/** JSON form of a {@link LogisticRegressionModel}. */
export interface LogisticRegressionModelJson {
  readonly kind: 'logistic-regression';
  readonly formatVersion: 1;
  readonly featureNames: string[];
  readonly categorical: boolean[];
  readonly numeric: { feature: number; mean: number; scale: number }[];
  readonly categoricalEncodings: { feature: number; categories: number[]; counts: number[] }[];
  readonly coefficients: number[];
  readonly intercept: number;
  /** Rows the model was trained on (absent in models trained before it was kept). */
  readonly trainingRows?: number;
}

/** What {@link LogisticRegressionModel} is made of. */
export interface LogisticRegressionModelParts {
  readonly featureNames: readonly string[];
  readonly categorical: readonly boolean[];
  readonly encoding: LinearEncoding;
  /** One per design column (see {@link LinearEncoding}). */
  readonly coefficients: Float64Array;
  readonly intercept: number;
}

/**
 * A logistic regression over standardised numeric features and one-hot
 * categories: `P(y = 1) = σ(intercept + coefficients · design(x))`.
 * Coefficients and intercept are float32 numbers, as ONNX's
 * `LinearClassifier` stores them, so the exported model computes the same.
 */
export class LogisticRegressionModel implements BinaryClassifier {
  readonly kind = 'logistic-regression' as const;
  readonly featureNames: readonly string[];
  readonly categorical: readonly boolean[];
  readonly encoding: LinearEncoding;
  readonly coefficients: Float64Array;
  readonly intercept: number;

  constructor(parts: LogisticRegressionModelParts) {
    this.featureNames = [...parts.featureNames];
    this.categorical = [...parts.categorical];
    this.encoding = parts.encoding;
    this.coefficients = parts.coefficients.map(Math.fround);
    this.intercept = Math.fround(parts.intercept);
  }

  predictProba(rows: FeatureMatrix): Float64Array {
    assertSameFeatures(this.featureNames, this.categorical, rows);
    return linearScores(encodeRows(this.encoding, rows), this.coefficients, this.intercept).map(sigmoid);
  }

  /**
   * Numeric features: |coefficient| (the effect of one standard deviation);
   * categorical: the mean |coefficient| of its categories weighted by their training frequency.
   */
  featureImportance(): FeatureImportance[] {
    const weights = new Float64Array(this.featureNames.length);
    this.encoding.numeric.forEach(({ feature }, j) => (weights[feature] = Math.abs(this.coefficients[j] as number)));
    let column = this.encoding.numeric.length;
    for (const { feature, counts } of this.encoding.categorical) {
      let weighted = 0;
      let total = 0;
      for (const count of counts) {
        weighted += count * Math.abs(this.coefficients[column++] as number);
        total += count;
      }
      weights[feature] = total > 0 ? weighted / total : 0;
    }
    return normaliseImportance(this.featureNames, weights);
  }

  toJSON(): LogisticRegressionModelJson {
    return {
      kind: 'logistic-regression',
      formatVersion: 1,
      featureNames: [...this.featureNames],
      categorical: [...this.categorical],
      numeric: this.encoding.numeric.map((n) => ({ ...n })),
      categoricalEncodings: this.encoding.categorical.map((c) => ({
        feature: c.feature,
        categories: Array.from(c.categories),
        counts: Array.from(c.counts),
      })),
      coefficients: Array.from(this.coefficients),
      intercept: this.intercept,
      ...(this.encoding.trainingRows === undefined ? {} : { trainingRows: this.encoding.trainingRows }),
    };
  }

  /** Reads the output of {@link LogisticRegressionModel.toJSON}. */
  static fromJSON(json: LogisticRegressionModelJson): LogisticRegressionModel {
    if (json.kind !== 'logistic-regression' || json.formatVersion !== 1) {
      throw new ModelFormatError(`not a version 1 logistic regression: kind ${json.kind}, version ${json.formatVersion}`);
    }
    const categorical = json.categoricalEncodings.map((c) => ({
      feature: c.feature,
      categories: Float64Array.from(c.categories),
      counts: Float64Array.from(c.counts),
    }));
    const width = json.numeric.length + categorical.reduce((sum, c) => sum + c.categories.length, 0);
    if (width !== json.coefficients.length) {
      throw new ModelFormatError(`${json.coefficients.length} coefficients for ${width} design columns`);
    }
    return new LogisticRegressionModel({
      featureNames: json.featureNames,
      categorical: json.categorical,
      encoding: { numeric: json.numeric, categorical, width, ...(json.trainingRows === undefined ? {} : { trainingRows: json.trainingRows }) },
      coefficients: Float64Array.from(json.coefficients),
      intercept: json.intercept,
    });
  }
}
