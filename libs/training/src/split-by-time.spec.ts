import { createFeatureMatrix } from '@tributary/ml';
import { describe, expect, it } from 'vitest';
import { InsufficientTrainingDataError, splitByTime, type LabeledDataset } from './index.js';

function dataset(times: number[], labels: number[]): LabeledDataset {
  return {
    matrix: createFeatureMatrix({ featureNames: ['t'], columns: [Float64Array.from(times)] }),
    labels: Float64Array.from(labels),
    labelTimesMs: Float64Array.from(times),
  };
}

describe('splitByTime()', () => {
  const times = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
  const windows = { train: { startMs: 0, endMs: 6 }, validation: { startMs: 6, endMs: 9 }, holdout: { startMs: 9, endMs: 11 }, minRowsPerSplit: 2 };

  it('puts each row in the window of its label time and drops rows outside all', () => {
    const split = splitByTime(dataset(times, labels), windows);
    expect([...split.train.labelTimesMs]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...split.validation.labelTimesMs]).toEqual([6, 7, 8]);
    expect([...split.holdout.labelTimesMs]).toEqual([9, 10]);
    expect([...(split.holdout.matrix.columns[0] as Float64Array)]).toEqual([9, 10]);
    expect([...split.holdout.labels]).toEqual([1, 0]);
  });

  it('refuses a split with too few rows', () => {
    expect(() => splitByTime(dataset(times, labels), { ...windows, minRowsPerSplit: 3 })).toThrow(InsufficientTrainingDataError);
    expect(() => splitByTime(dataset(times, labels), { ...windows, minRowsPerSplit: 3 })).toThrow(/holdout split: 2 rows/);
  });

  it('refuses a split with one class only, where AUC means nothing', () => {
    const oneClass = labels.map((y, i) => (i >= 9 ? 1 : y));
    expect(() => splitByTime(dataset(times, oneClass), windows)).toThrow(/holdout split: all 2 rows have label 1/);
  });
});
