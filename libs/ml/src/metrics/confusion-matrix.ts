import { assertScoredLabels } from './check-inputs.js';

/** Counts and rates of binary decisions at one threshold. */
export interface ConfusionMatrix {
  readonly threshold: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
  /** TP / (TP + FP); 0 when nothing is predicted positive. */
  readonly precision: number;
  /** TP / (TP + FN); 0 when there are no positives. */
  readonly recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  readonly f1: number;
  readonly accuracy: number;
}

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /** A row is predicted positive when its probability is ≥ this. Default 0.5. */
  readonly threshold?: number;
}

/** Confusion matrix, precision, recall, F1 and accuracy of predicting class 1 at a threshold. */
export function confusionMatrix(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  options: ConfusionMatrixOptions = {},
): ConfusionMatrix {
  const { threshold = 0.5 } = options;
  assertScoredLabels(labels, probabilities);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const predictedPositive = (probabilities[i] as number) >= threshold;
    if (labels[i] === 1) {
      if (predictedPositive) tp++;
      else fn++;
    } else if (predictedPositive) fp++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    threshold,
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
    precision,
    recall,
    f1,
    accuracy: (tp + tn) / labels.length,
  };
}
