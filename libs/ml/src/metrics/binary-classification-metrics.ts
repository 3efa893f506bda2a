import { brierScore } from './brier-score.js';
import { calibrationTable, type CalibrationBin } from './calibration-table.js';
import { confusionMatrix, type ConfusionMatrix } from './confusion-matrix.js';
import { logLoss } from './log-loss.js';
import { rocAuc } from './roc-auc.js';

/** Every metric of a binary classifier on one labelled set. */
export interface BinaryClassificationMetrics {
  readonly rowCount: number;
  readonly positiveRate: number;
  readonly auc: number;
  readonly logLoss: number;
  readonly brier: number;
  readonly calibration: CalibrationBin[];
  readonly confusion: ConfusionMatrix;
}

/** Options of {@link binaryClassificationMetrics}. */
export interface BinaryClassificationMetricsOptions {
  /** Threshold of the confusion matrix. Default 0.5. */
  readonly threshold?: number;
  /** Bins of the calibration table. Default 10. */
  readonly calibrationBins?: number;
}

/** AUC, log loss, Brier score, calibration table and confusion matrix in one call, e.g. for a registry entry. */
export function binaryClassificationMetrics(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  options: BinaryClassificationMetricsOptions = {},
): BinaryClassificationMetrics {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
  return {
    rowCount: labels.length,
    positiveRate: positives / labels.length,
    auc: rocAuc(labels, probabilities),
    logLoss: logLoss(labels, probabilities),
    brier: brierScore(labels, probabilities),
    calibration: calibrationTable(labels, probabilities, { bins: options.calibrationBins ?? 10 }),
    confusion: confusionMatrix(labels, probabilities, { threshold: options.threshold ?? 0.5 }),
  };
}
