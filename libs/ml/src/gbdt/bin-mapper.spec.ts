import { describe, expect, it } from 'vitest';
import { createFeatureMatrix } from '../feature-matrix.js';
import { binColumn, binCount, createBinnings, MISSING_BIN } from './bin-mapper.js';

const binningsOf = (columns: Float64Array[], categorical: string[] = [], maxBins = 255) =>
  createBinnings(
    createFeatureMatrix({ featureNames: columns.map((_, f) => `f${f}`), columns, categoricalFeatures: categorical }),
    { maxBins, sampleSize: 200_000, seed: 0 },
  );

describe('createBinnings()', () => {
  it('places float32 thresholds so that a bin is exactly the float32 comparison the exported model makes', () => {
    const column = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 1000 + i / 7);
    const [binning] = binningsOf([column], [], 32);
    if (binning?.kind !== 'numeric') throw new Error('expected a numeric binning');
    expect(binCount(binning)).toBeLessThanOrEqual(33);
    binning.thresholds.forEach((t) => expect(Math.fround(t)).toBe(t));
    const bins = binColumn(column, binning, new Uint8Array(column.length));
    column.forEach((x, r) => {
      const bin = bins[r] as number;
      if (bin > 1) expect(Math.fround(x) > (binning.thresholds[bin - 2] as number)).toBe(true);
      if (bin <= binning.thresholds.length) expect(Math.fround(x) <= (binning.thresholds[bin - 1] as number)).toBe(true);
    });
  });

  it('gives each distinct value its own bin when there are few, and NaN the missing bin', () => {
    const column = Float64Array.from([3, 1, 2, Number.NaN, 2, 1.0000000001]);
    const [binning] = binningsOf([column]);
    const bins = binColumn(column, binning!, new Uint8Array(column.length));
    // 1 and 1.0000000001 are the same float32 number, so they share a bin.
    expect(Array.from(bins)).toEqual([3, 1, 2, MISSING_BIN, 2, 1]);
  });

  it('bins categories by frequency and pools the rarest in one bin when there are more than maxBins', () => {
    const column = Float64Array.from([5, 5, 5, 9, 9, 2, 7, Number.NaN]);
    const [binning] = binningsOf([column], ['f0'], 3);
    expect(binning).toEqual({ kind: 'categorical', categories: Float64Array.from([5, 9]), rareCategoryCount: 2 });
    expect(Array.from(binColumn(column, binning!, new Uint8Array(column.length)))).toEqual([1, 1, 1, 2, 2, 3, 3, MISSING_BIN]);
  });
});
