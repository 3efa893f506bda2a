import { create } from '@bufbuild/protobuf';
import { PerformanceEvidenceSchema, type PerformanceEvidence } from '@tributary/contracts';
import { calibrationTable, logLoss, rocAuc } from '@tributary/ml';
import { InvalidColumnsError } from './errors.js';

/** Options of {@link measureRealisedPerformance}. */
export interface RealisedPerformanceOptions {
  /** AUC the model version reached on its holdout; when given, `auc_drop` is reported. Default: unknown. */
  readonly referenceAuc?: number;
  /** Equal-width probability bins of the expected calibration error. Default: 10. */
  readonly calibrationBins?: number;
}

/**
 * How a served model did on the rows whose outcome is known: realised AUC
 * (unset when the rows hold one class only), log loss, the mean predicted
 * and the observed positive share and their gap (observed − predicted: > 0
 * when more flights are late than the model expects), the expected
 * calibration error, and the AUC drop against the version's holdout AUC.
 * Undefined when no row is labelled.
 */
export function measureRealisedPerformance(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  options: RealisedPerformanceOptions = {},
): PerformanceEvidence | undefined {
  if (labels.length !== probabilities.length) throw new InvalidColumnsError(`${labels.length} outcomes for ${probabilities.length} predictions`);
  const n = labels.length;
  if (n === 0) return undefined;
  let positives = 0;
  let predicted = 0;
  for (let i = 0; i < n; i++) {
    positives += labels[i] as number;
    predicted += probabilities[i] as number;
  }
  const observedShare = positives / n;
  const predictedShare = predicted / n;
  const auc = positives === 0 || positives === n ? undefined : rocAuc(labels, probabilities);
  const table = calibrationTable(labels, probabilities, { bins: options.calibrationBins ?? 10 });
  const ece = table.reduce((sum, bin) => (bin.count === 0 ? sum : sum + (bin.count / n) * Math.abs(bin.meanPredicted - bin.observedRate)), 0);
  const { referenceAuc } = options;
  return create(PerformanceEvidenceSchema, {
    labelledCount: n,
    auc,
    logLoss: logLoss(labels, probabilities),
    predictedPositiveShare: predictedShare,
    observedPositiveShare: observedShare,
    calibrationGap: observedShare - predictedShare,
    expectedCalibrationError: ece,
    referenceAuc,
    aucDrop: referenceAuc === undefined || auc === undefined ? undefined : referenceAuc - auc,
  });
}
