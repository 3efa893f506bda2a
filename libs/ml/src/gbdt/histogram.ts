import type { GrowthKernel } from './growth-kernel.js';

/**
 * Gradient histograms: for every feature and bin, the sums of gradient and
 * hessian and the row count of the rows in one leaf, laid out as
 * `[grad, hess, count]` triples in one Float64Array per leaf.
 */
export interface HistogramLayout {
  /** Index of each feature's first triple, in numbers (not triples). */
  readonly offsets: Int32Array;
  /** Bins per feature, the missing bin included. */
  readonly binCounts: Int32Array;
  /** Length of one histogram array. */
  readonly length: number;
}

/** The layout for features with the given bin counts. */
export function createHistogramLayout(binCounts: readonly number[]): HistogramLayout {
  const offsets = new Int32Array(binCounts.length);
  let length = 0;
  binCounts.forEach((count, f) => {
    offsets[f] = length;
    length += count * 3;
  });
  return { offsets, binCounts: Int32Array.from(binCounts), length };
}

/**
 * Hands out the preallocated histograms of a tree's leaves (views into the
 * training memory, so the kernel can write them), which also keeps the
 * garbage collector out of the inner loop.
 */
export class HistogramPool {
  readonly #free: Float64Array[];

  constructor(histograms: readonly Float64Array[]) {
    this.#free = [...histograms].reverse();
  }

  /** A zeroed histogram. */
  acquire(): Float64Array {
    const histogram = this.#free.pop();
    // Growing a tree holds one histogram per leaf, and the pool has one per leaf a tree may have.
    if (!histogram) throw new Error('histogram pool exhausted: more leaves than the pool was sized for');
    histogram.fill(0);
    return histogram;
  }

  release(histogram: Float64Array): void {
    this.#free.push(histogram);
  }
}

/**
 * Adds `count` rows into the histogram at address `histogram` for
 * `features[from..to)`, two features per kernel call (each row's gradients
 * are then read once for both). Addresses are byte offsets in the training
 * memory: `binsAt[f]` of feature f's bins, `rows` of the first row index (or
 * the first row itself when `contiguous`), `grad`/`hess` of the rows'
 * gradients in that order; `offsets` are in numbers, as in {@link HistogramLayout}.
 *
 * The growth worker runs this very function from its source text, so it
 * must not refer to anything outside itself.
 */
export function accumulateFeatures(
  kernel: GrowthKernel,
  histogram: number,
  offsets: Int32Array,
  binsAt: Int32Array,
  features: Int32Array,
  from: number,
  to: number,
  rows: number,
  count: number,
  grad: number,
  hess: number,
  contiguous: boolean,
): void {
  const two = contiguous ? kernel.accumulate2Contiguous : kernel.accumulate2;
  let k = from;
  for (; k + 1 < to; k += 2) {
    const f0 = features[k] as number;
    const f1 = features[k + 1] as number;
    two(histogram + (offsets[f0] as number) * 8, histogram + (offsets[f1] as number) * 8, binsAt[f0] as number, binsAt[f1] as number, rows, count, grad, hess);
  }
  if (k < to) {
    const f = features[k] as number;
    const one = contiguous ? kernel.accumulate1Contiguous : kernel.accumulate1;
    one(histogram + (offsets[f] as number) * 8, binsAt[f] as number, rows, count, grad, hess);
  }
}

/** `parent -= child` over the given features: the histogram of the sibling, without touching its rows. */
export function subtractHistogram(
  parent: Float64Array,
  child: Float64Array,
  layout: HistogramLayout,
  features: Int32Array,
): void {
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number;
    const from = layout.offsets[f] as number;
    const to = from + (layout.binCounts[f] as number) * 3;
    for (let i = from; i < to; i++) parent[i]! -= child[i] as number;
  }
}
