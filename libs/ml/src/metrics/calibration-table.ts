import { InvalidOptionsError } from '../errors.js';
import { assertScoredLabels } from './check-inputs.js';

/** One bin of a {@link calibrationTable}. */
export interface CalibrationBin {
  /** Inclusive lower edge of predicted probability. */
  readonly lower: number;
  /** Upper edge: exclusive, except the last bin's, which includes 1. */
  readonly upper: number;
  /** Rows whose prediction falls in the bin. */
  readonly count: number;
  /** Mean predicted probability of those rows; NaN when the bin is empty. */
  readonly meanPredicted: number;
  /** Share of positives among those rows; NaN when the bin is empty. */
  readonly observedRate: number;
}

/** Options of {@link calibrationTable}. */
export interface CalibrationTableOptions {
  /** Number of equal-width bins over [0, 1]. Default 10. */
  readonly bins?: number;
}

/**
 * Reliability table: predictions grouped into equal-width probability bins,
 * each with its mean prediction and observed positive rate. A calibrated
 * model has the two close in every populated bin.
 */
export function calibrationTable(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  options: CalibrationTableOptions = {},
): CalibrationBin[] {
  const { bins = 10 } = options;
  if (!Number.isInteger(bins) || bins < 1) throw new InvalidOptionsError('bins', 'must be a positive integer');
  assertScoredLabels(labels, probabilities);
  const counts = new Float64Array(bins);
  const predictedSums = new Float64Array(bins);
  const positives = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i] as number;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    counts[bin]! += 1;
    predictedSums[bin]! += p;
    positives[bin]! += labels[i] as number;
  }
  return Array.from({ length: bins }, (_, b) => {
    const count = counts[b] as number;
    return {
      lower: b / bins,
      upper: (b + 1) / bins,
      count,
      meanPredicted: count === 0 ? Number.NaN : (predictedSums[b] as number) / count,
      observedRate: count === 0 ? Number.NaN : (positives[b] as number) / count,
    };
  });
}
