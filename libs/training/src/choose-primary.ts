import type { ModelEvaluation } from './evaluate-model.js';

/** One of a run's two models as {@link choosePrimary} weighs it. */
export interface PrimaryCandidate {
  /** What the model is, for the reason, e.g. `gbdt`. */
  readonly kind: string;
  readonly evaluation: ModelEvaluation;
}

/** Which of a run's two models serves and which stands behind it, and why. */
export interface PrimaryChoice<T extends PrimaryCandidate> {
  readonly primary: T;
  readonly fallback: T;
  /** In words fit for a tag, a log line and the audit history. */
  readonly reason: string;
}

/**
 * Orders a run's models so that the primary is never worse than its own
 * fallback: the one with the higher holdout AUC serves, the other answers
 * when it cannot; on a tie the `preferred` one (the GBDT) serves. On small
 * or unsettled training windows the logistic regression can rank better than
 * the boosted trees, and serving the weaker of the two would make every
 * breaker trip an improvement.
 */
export function choosePrimary<T extends PrimaryCandidate>(preferred: T, other: T): PrimaryChoice<T> {
  const [mine, theirs] = [preferred.evaluation.auc.toFixed(4), other.evaluation.auc.toFixed(4)];
  if (other.evaluation.auc > preferred.evaluation.auc) {
    return { primary: other, fallback: preferred, reason: `${other.kind} serves: holdout AUC ${theirs} above ${preferred.kind}'s ${mine}` };
  }
  return { primary: preferred, fallback: other, reason: `${preferred.kind} serves: holdout AUC ${mine}, ${other.kind}'s ${theirs}` };
}
