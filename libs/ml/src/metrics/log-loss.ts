import { assertScoredLabels } from './check-inputs.js';

/** Probabilities are clipped to [ε, 1 − ε] so one confident mistake gives a large but finite loss. */
const EPSILON = 1e-15;

/** Mean negative log-likelihood of binary labels under predicted probabilities of class 1 (natural log). */
export function logLoss(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  assertScoredLabels(labels, probabilities);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - EPSILON, Math.max(EPSILON, probabilities[i] as number));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}
