import type { FeatureMatrix } from './feature-matrix.js';

/** How much one feature contributes to a model, normalised so a model's importances sum to 1. */
export interface FeatureImportance {
  readonly featureName: string;
  readonly importance: number;
}

/**
 * What every binary classifier of Tributary offers, whatever its algorithm:
 * the trainer evaluates and exports through it, the registry stores `toJSON()`.
 */
export interface BinaryClassifier {
  /** Algorithm, also the `kind` of its JSON form. */
  readonly kind: 'gbdt' | 'logistic-regression';
  readonly featureNames: readonly string[];
  /** Per feature: whether it is read as category codes. */
  readonly categorical: readonly boolean[];
  /** Probability of class 1 for each row; the matrix must have the model's features in order. */
  predictProba(rows: FeatureMatrix): Float64Array;
  featureImportance(): FeatureImportance[];
  /** A plain-JSON form that {@link modelFromJson} reads back into an identical model. */
  toJSON(): object;
}

/** Scales non-negative weights to sum 1 (all zero stays all zero). */
export function normaliseImportance(featureNames: readonly string[], weights: ArrayLike<number>): FeatureImportance[] {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i] as number;
  return featureNames.map((featureName, f) => ({
    featureName,
    importance: total > 0 ? (weights[f] as number) / total : 0,
  }));
}
