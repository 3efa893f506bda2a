import type { FeatureMatrix } from '../feature-matrix.js';
import { createRandom } from '@tributary/seeded-random';

/** Bin 0 of every feature holds the missing values (NaN). */
export const MISSING_BIN = 0;

/**
 * How one feature's values map to bins 1…n (bin 0 is missing).
 * - numeric: `thresholds` are increasing float32 numbers; a value goes to
 *   bin `1 + j` for the first j with `fround(x) <= thresholds[j]`, or to the
 *   last bin when it is above them all. Splitting "bins ≤ k go left" is then
 *   exactly the comparison `fround(x) <= thresholds[k - 1]`, which is what the
 *   float32 input of the exported ONNX model compares.
 * - categorical: `categories[j]` (a code) has bin `1 + j`, most frequent first;
 *   when there are more codes than bins, the `rareCategoryCount` rarest share
 *   the last bin, which splits never list (so those codes go right, like unseen ones).
 */
export type FeatureBinning =
  | { readonly kind: 'numeric'; readonly thresholds: Float64Array }
  | { readonly kind: 'categorical'; readonly categories: Float64Array; readonly rareCategoryCount: number };

/** Number of bins of a feature, the missing bin included. */
export function binCount(binning: FeatureBinning): number {
  return binning.kind === 'numeric'
    ? binning.thresholds.length + 2
    : binning.categories.length + (binning.rareCategoryCount > 0 ? 2 : 1);
}

/** Options of {@link createBinnings}. */
export interface BinningOptions {
  /** Most bins a feature may have, the missing bin not counted; 2…255. */
  readonly maxBins: number;
  /** Rows sampled to find numeric quantiles. */
  readonly sampleSize: number;
  readonly seed: number;
}

/** Learns the binning of every feature of a training matrix. */
export function createBinnings(matrix: FeatureMatrix, options: BinningOptions): FeatureBinning[] {
  const sample = sampleRows(matrix.rowCount, options.sampleSize, options.seed);
  return matrix.columns.map((column, f) =>
    matrix.categorical[f] ? categoricalBinning(column, options.maxBins) : numericBinning(column, sample, options.maxBins),
  );
}

function sampleRows(rowCount: number, sampleSize: number, seed: number): Uint32Array | undefined {
  if (rowCount <= sampleSize) return undefined;
  const random = createRandom(seed);
  const rate = sampleSize / rowCount;
  const picked: number[] = [];
  for (let r = 0; r < rowCount; r++) if (random() < rate) picked.push(r);
  return Uint32Array.from(picked);
}

function numericBinning(column: Float64Array, sample: Uint32Array | undefined, maxBins: number): FeatureBinning {
  const values = new Float32Array(sample ? sample.length : column.length);
  let n = 0;
  const count = sample ? sample.length : column.length;
  for (let i = 0; i < count; i++) {
    const x = column[sample ? (sample[i] as number) : i] as number;
    if (!Number.isNaN(x)) values[n++] = x;
  }
  const sorted = values.subarray(0, n).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = sorted[i] as number;
    if (distinct.length > 0 && distinct[distinct.length - 1] === v) counts[counts.length - 1]! += 1;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const thresholds: number[] = [];
  if (distinct.length <= maxBins) {
    for (let j = 0; j + 1 < distinct.length; j++) thresholds.push(float32Midpoint(distinct[j]!, distinct[j + 1]!));
  } else {
    // Quantile cuts: close a bin once it holds its share of the remaining values.
    let remaining = n;
    let binsLeft = maxBins;
    let inBin = 0;
    for (let j = 0; j + 1 < distinct.length && binsLeft > 1; j++) {
      inBin += counts[j]!;
      if (inBin >= remaining / binsLeft) {
        thresholds.push(float32Midpoint(distinct[j]!, distinct[j + 1]!));
        remaining -= inBin;
        binsLeft--;
        inBin = 0;
      }
    }
  }
  return { kind: 'numeric', thresholds: Float64Array.from(thresholds) };
}

/** A float32 number t with a ≤ t < b, near their middle, so `x <= t` separates a from b in float32. */
function float32Midpoint(a: number, b: number): number {
  const middle = Math.fround(a + (b - a) / 2);
  return middle < b ? middle : a;
}

function categoricalBinning(column: Float64Array, maxBins: number): FeatureBinning {
  const counts = new Map<number, number>();
  for (const x of column) if (!Number.isNaN(x)) counts.set(x, (counts.get(x) ?? 0) + 1);
  // Most frequent first, ties by code, so the binning is the same whatever the row order.
  const byFrequency = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([code]) => code);
  if (byFrequency.length <= maxBins) {
    return { kind: 'categorical', categories: Float64Array.from(byFrequency), rareCategoryCount: 0 };
  }
  return {
    kind: 'categorical',
    categories: Float64Array.from(byFrequency.slice(0, maxBins - 1)),
    rareCategoryCount: byFrequency.length - (maxBins - 1),
  };
}

/**
 * Maps a column to bins under its binning, into `bins` (zeroed, as long as the
 * column). A category the binning has not seen gets the last bin when rare
 * categories share one, else the bin after the last, which needs 16-bit bins
 * when a feature has 255 categories.
 */
export function binColumn<Bins extends Uint8Array | Uint16Array>(column: Float64Array, binning: FeatureBinning, bins: Bins): Bins {
  if (binning.kind === 'numeric') {
    const { thresholds } = binning;
    const lastBin = thresholds.length + 1;
    for (let i = 0; i < column.length; i++) {
      const x = column[i] as number;
      if (Number.isNaN(x)) continue;
      const v = Math.fround(x);
      // Binary search for the first threshold ≥ v.
      let lo = 0;
      let hi = thresholds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((thresholds[mid] as number) < v) lo = mid + 1;
        else hi = mid;
      }
      bins[i] = lo < thresholds.length ? lo + 1 : lastBin;
    }
    return bins;
  }
  const binOf = new Map<number, number>();
  binning.categories.forEach((code, j) => binOf.set(code, j + 1));
  const otherBin = binning.categories.length + 1;
  for (let i = 0; i < column.length; i++) {
    const x = column[i] as number;
    if (!Number.isNaN(x)) bins[i] = binOf.get(x) ?? otherBin;
  }
  return bins;
}
