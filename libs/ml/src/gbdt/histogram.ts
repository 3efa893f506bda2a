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

/** Reuses histogram arrays across leaves and trees, which keeps the garbage collector out of the inner loop. */
export class HistogramPool {
  readonly #free: Float64Array[] = [];
  readonly #length: number;

  constructor(layout: HistogramLayout) {
    this.#length = layout.length;
  }

  /** A zeroed histogram. */
  acquire(): Float64Array {
    const histogram = this.#free.pop();
    if (!histogram) return new Float64Array(this.#length);
    histogram.fill(0);
    return histogram;
  }

  release(histogram: Float64Array): void {
    this.#free.push(histogram);
  }
}

/** Gradients of a leaf's rows gathered in row order, shared with histogram workers. */
export interface OrderedGradients {
  readonly grad: Float64Array;
  readonly hess: Float64Array;
}

/** Copies the gradients of `rows[start..end)` into `ordered`, so histogram loops read them sequentially. */
export function gatherGradients(
  rows: Uint32Array,
  start: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array,
  ordered: OrderedGradients,
): void {
  const og = ordered.grad;
  const oh = ordered.hess;
  for (let i = start; i < end; i++) {
    const r = rows[i] as number;
    og[i - start] = grad[r] as number;
    oh[i - start] = hess[r] as number;
  }
}

/**
 * Adds `n` rows starting at `rows[start]` into `histogram` for `features[from..to)`,
 * reading gathered gradients. Two features per pass: each row's gradients are
 * read once for both, ~1.5× faster than one at a time.
 *
 * Histogram workers run this very function from its source text, so it must
 * not refer to anything outside itself.
 */
export function accumulateFeatures(
  histogram: Float64Array,
  offsets: Int32Array,
  bins: readonly Uint8Array[],
  features: Int32Array,
  from: number,
  to: number,
  rows: Uint32Array,
  start: number,
  n: number,
  og: Float64Array,
  oh: Float64Array,
): void {
  let k = from;
  for (; k + 1 < to; k += 2) {
    const f0 = features[k] as number;
    const f1 = features[k + 1] as number;
    const column0 = bins[f0] as Uint8Array;
    const column1 = bins[f1] as Uint8Array;
    const offset0 = offsets[f0] as number;
    const offset1 = offsets[f1] as number;
    for (let i = 0; i < n; i++) {
      const r = rows[start + i] as number;
      const g = og[i] as number;
      const h = oh[i] as number;
      let at = offset0 + (column0[r] as number) * 3;
      histogram[at]! += g;
      histogram[at + 1]! += h;
      histogram[at + 2]! += 1;
      at = offset1 + (column1[r] as number) * 3;
      histogram[at]! += g;
      histogram[at + 1]! += h;
      histogram[at + 2]! += 1;
    }
  }
  if (k < to) {
    const f = features[k] as number;
    const column = bins[f] as Uint8Array;
    const offset = offsets[f] as number;
    for (let i = 0; i < n; i++) {
      const at = offset + (column[rows[start + i] as number] as number) * 3;
      histogram[at]! += og[i] as number;
      histogram[at + 1]! += oh[i] as number;
      histogram[at + 2]! += 1;
    }
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
