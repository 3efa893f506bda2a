import type { ModelEvaluation } from './evaluate-model.js';

/** When a new primary model may replace the champion. */
export interface PromotionPolicy {
  /**
   * `perform`: move `champion` when the policy is met (models that need an
   * approval stay at `challenger`, with the reason logged); `request`: never
   * move `champion`, only log that the policy recommends it. Default `perform`.
   */
  readonly mode?: 'perform' | 'request';
  /** Holdout AUC the candidate must gain over the champion. Default 0.001. */
  readonly minAucGain?: number;
  /** Holdout Brier score the candidate may lose against the champion. Default 0.001. */
  readonly maxBrierIncrease?: number;
  /** Holdout expected calibration error the candidate may lose against the champion. Default 0.01. */
  readonly maxCalibrationErrorIncrease?: number;
}

/** The champion as the candidate meets it on the same holdout. */
export type ChampionComparison =
  /** No champion yet. */
  | { readonly kind: 'none' }
  /** A champion that could not be scored on this holdout (e.g. other features); the reason says why. */
  | { readonly kind: 'unscored'; readonly version: number; readonly reason: string }
  | { readonly kind: 'scored'; readonly version: number; readonly evaluation: ModelEvaluation };

/** Whether to promote, and why, in words fit for a log line and the audit history. */
export interface PromotionDecision {
  readonly promote: boolean;
  readonly reason: string;
}

/**
 * Applies the policy: a candidate whose holdout AUC is below its own
 * fallback's (on the same holdout) is never promoted — inference would serve
 * the weaker model whenever the primary answers; with no champion the
 * candidate wins; a champion that could not be scored is never replaced
 * automatically; otherwise the candidate must beat its AUC by `minAucGain`
 * without losing more than the tolerances on Brier score and calibration.
 *
 * @param fallback the candidate's own fallback model on the same holdout; when
 *   absent (a version registered without one) only the champion is weighed.
 */
export function decidePromotion(candidate: ModelEvaluation, champion: ChampionComparison, policy: PromotionPolicy = {}, fallback?: ModelEvaluation): PromotionDecision {
  const { minAucGain = 0.001, maxBrierIncrease = 0.001, maxCalibrationErrorIncrease = 0.01 } = policy;
  if (fallback && candidate.auc < fallback.auc) {
    return { promote: false, reason: `worse than its own fallback: holdout AUC ${fmt(candidate.auc)} < ${fmt(fallback.auc)}` };
  }
  if (champion.kind === 'none') return { promote: true, reason: 'no champion yet' };
  if (champion.kind === 'unscored') {
    return { promote: false, reason: `champion v${champion.version} could not be compared on the holdout (${champion.reason})` };
  }
  const old = champion.evaluation;
  const aucGain = candidate.auc - old.auc;
  const brierIncrease = candidate.brier - old.brier;
  const calibrationIncrease = candidate.calibrationError - old.calibrationError;
  const versus = `vs champion v${champion.version}: AUC ${fmt(candidate.auc)} vs ${fmt(old.auc)}, Brier ${fmt(candidate.brier)} vs ${fmt(old.brier)}, calibration error ${fmt(candidate.calibrationError)} vs ${fmt(old.calibrationError)}`;
  const failures: string[] = [];
  if (!(aucGain >= minAucGain)) failures.push(`AUC gain ${fmt(aucGain)} < ${minAucGain}`);
  if (!(brierIncrease <= maxBrierIncrease)) failures.push(`Brier worse by ${fmt(brierIncrease)} > ${maxBrierIncrease}`);
  if (!(calibrationIncrease <= maxCalibrationErrorIncrease)) failures.push(`calibration error worse by ${fmt(calibrationIncrease)} > ${maxCalibrationErrorIncrease}`);
  return failures.length === 0
    ? { promote: true, reason: `better than the champion (${versus})` }
    : { promote: false, reason: `${failures.join('; ')} (${versus})` };
}

function fmt(value: number): string {
  return value.toFixed(4);
}
