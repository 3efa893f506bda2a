import { InvalidDatasetError } from '../errors.js';
import { assertScoredLabels } from './check-inputs.js';

/**
 * Area under the ROC curve: the probability that a random positive scores
 * above a random negative, ties counting one half (so it equals the
 * Mann–Whitney U statistic and scikit-learn's `roc_auc_score`).
 * Throws when only one class is present, where AUC is undefined.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  assertScoredLabels(labels, scores);
  let positiveCount = 0;
  for (let i = 0; i < labels.length; i++) positiveCount += labels[i] as number;
  const negativeCount = labels.length - positiveCount;
  if (positiveCount === 0 || negativeCount === 0) {
    throw new InvalidDatasetError('ROC AUC needs both positive and negative labels');
  }
  const positives = new Float64Array(positiveCount);
  const negatives = new Float64Array(negativeCount);
  for (let i = 0, p = 0, n = 0; i < labels.length; i++) {
    if (labels[i] === 1) positives[p++] = scores[i] as number;
    else negatives[n++] = scores[i] as number;
  }
  positives.sort();
  negatives.sort();
  // Walk both sorted lists: each positive wins against the negatives below it and half-wins ties.
  let wins = 0;
  let below = 0;
  let p = 0;
  while (p < positiveCount) {
    const score = positives[p] as number;
    while (below < negativeCount && (negatives[below] as number) < score) below++;
    let tiedEnd = below;
    while (tiedEnd < negativeCount && negatives[tiedEnd] === score) tiedEnd++;
    let samePositives = 0;
    while (p < positiveCount && positives[p] === score) {
      samePositives++;
      p++;
    }
    wins += samePositives * (below + (tiedEnd - below) / 2);
  }
  return wins / (positiveCount * negativeCount);
}
