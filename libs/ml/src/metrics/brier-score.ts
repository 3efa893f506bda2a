import { assertScoredLabels } from './check-inputs.js';

/** Mean squared difference between predicted probabilities of class 1 and the 0/1 outcomes. */
export function brierScore(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  assertScoredLabels(labels, probabilities);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = (probabilities[i] as number) - (labels[i] as number);
    sum += d * d;
  }
  return sum / labels.length;
}
