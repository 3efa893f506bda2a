import { binaryClassificationMetrics, type CalibrationBin } from '@tributary/ml';

/** How well a model's probabilities fit one labelled set. */
export interface ModelEvaluation {
  readonly rowCount: number;
  readonly positiveRate: number;
  /** ROC AUC: ranking quality, 0.5 = chance. */
  readonly auc: number;
  /** Mean log loss. */
  readonly logLoss: number;
  /** Mean squared error of the probabilities. */
  readonly brier: number;
  /** Expected calibration error: |mean prediction − observed rate| per bin, weighted by the bin's rows. */
  readonly calibrationError: number;
  /** The reliability table (ten equal-width bins) the calibration error is computed from. */
  readonly calibration: readonly CalibrationBin[];
}

/** Evaluates probabilities against labels: AUC, log loss, Brier score and calibration. */
export function evaluateModel(labels: ArrayLike<number>, probabilities: ArrayLike<number>): ModelEvaluation {
  const metrics = binaryClassificationMetrics(labels, probabilities, { calibrationBins: 10 });
  let calibrationError = 0;
  for (const bin of metrics.calibration) {
    if (bin.count > 0) calibrationError += (bin.count / metrics.rowCount) * Math.abs(bin.meanPredicted - bin.observedRate);
  }
  return {
    rowCount: metrics.rowCount,
    positiveRate: metrics.positiveRate,
    auc: metrics.auc,
    logLoss: metrics.logLoss,
    brier: metrics.brier,
    calibrationError,
    calibration: metrics.calibration,
  };
}

/** An evaluation as registry metrics, `<prefix>auc`, `<prefix>log_loss`… e.g. with prefix `holdout_`. */
export function evaluationMetrics(evaluation: ModelEvaluation, prefix: string): Record<string, number> {
  return {
    [`${prefix}auc`]: evaluation.auc,
    [`${prefix}log_loss`]: evaluation.logLoss,
    [`${prefix}brier`]: evaluation.brier,
    [`${prefix}calibration_error`]: evaluation.calibrationError,
    [`${prefix}positive_rate`]: evaluation.positiveRate,
    [`${prefix}rows`]: evaluation.rowCount,
  };
}

/**
 * The evaluation recorded in registry metrics by {@link evaluationMetrics}
 * with `prefix`, or undefined when any of them is missing. The reliability
 * table is not recorded, so it comes back empty.
 */
export function evaluationFromMetrics(metrics: Readonly<Record<string, number>>, prefix: string): ModelEvaluation | undefined {
  const read = (name: string) => metrics[`${prefix}${name}`];
  const [auc, logLoss, brier, calibrationError, positiveRate, rowCount] = ['auc', 'log_loss', 'brier', 'calibration_error', 'positive_rate', 'rows'].map(read);
  if (auc === undefined || logLoss === undefined || brier === undefined || calibrationError === undefined || positiveRate === undefined || rowCount === undefined) {
    return undefined;
  }
  return { rowCount, positiveRate, auc, logLoss, brier, calibrationError, calibration: [] };
}
