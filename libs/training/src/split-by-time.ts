import { selectRows } from '@tributary/ml';
import { InsufficientTrainingDataError } from './errors.js';
import type { LabeledDataset } from './flight-dataset.js';
import type { TimeRange } from './time-range.js';

/** The three time-ordered parts of a dataset. */
export interface TimeSplit {
  readonly train: LabeledDataset;
  readonly validation: LabeledDataset;
  readonly holdout: LabeledDataset;
}

/** Options of {@link splitByTime}. */
export interface SplitByTimeOptions {
  readonly train: TimeRange;
  readonly validation: TimeRange;
  readonly holdout: TimeRange;
  /** Fewest rows each split must have; each must also hold both classes. Default 20. */
  readonly minRowsPerSplit?: number;
}

/**
 * Splits rows by label time into the train, validation and holdout windows
 * (rows outside all three are dropped). A split too small to fit or judge a
 * model — under `minRowsPerSplit` rows, or one class only, where AUC means
 * nothing — fails the run before any training is spent on it.
 *
 * @throws InsufficientTrainingDataError naming the split.
 */
export function splitByTime(dataset: LabeledDataset, options: SplitByTimeOptions): TimeSplit {
  const { minRowsPerSplit = 20 } = options;
  const part = (name: string, range: TimeRange): LabeledDataset => {
    const rows: number[] = [];
    for (let i = 0; i < dataset.labelTimesMs.length; i++) {
      const t = dataset.labelTimesMs[i] as number;
      if (t >= range.startMs && t < range.endMs) rows.push(i);
    }
    const labels = Float64Array.from(rows, (i) => dataset.labels[i] as number);
    const positives = labels.reduce((sum, y) => sum + y, 0);
    if (rows.length < minRowsPerSplit) {
      throw new InsufficientTrainingDataError(name, rows.length, `${rows.length} rows, fewer than the ${minRowsPerSplit} required`);
    }
    if (positives === 0 || positives === rows.length) {
      throw new InsufficientTrainingDataError(name, rows.length, `all ${rows.length} rows have label ${positives === 0 ? 0 : 1}`);
    }
    return {
      matrix: selectRows(dataset.matrix, rows),
      labels,
      labelTimesMs: Float64Array.from(rows, (i) => dataset.labelTimesMs[i] as number),
    };
  };
  return { train: part('train', options.train), validation: part('validation', options.validation), holdout: part('holdout', options.holdout) };
}
