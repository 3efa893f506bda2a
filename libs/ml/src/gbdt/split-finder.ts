import type { FeatureBinning } from './bin-mapper.js';
import type { HistogramLayout } from './histogram.js';

/** Regularisation and size limits that decide whether a split is allowed and how good it is. */
export interface SplitSearchOptions {
  readonly lambda: number;
  readonly minSamplesLeaf: number;
  readonly minHessianLeaf: number;
  readonly minSplitGain: number;
  readonly categoricalSmoothing: number;
  readonly categoricalL2: number;
  readonly maxCategoriesPerSplit: number;
}

/** Sums of gradient, hessian and rows over a set of rows. */
export interface GradientStats {
  readonly grad: number;
  readonly hess: number;
  readonly count: number;
}

/** The best split found for one leaf. */
export interface SplitCandidate {
  readonly feature: number;
  readonly gain: number;
  /** Per bin of the feature (missing bin 0 included): 1 when its rows go left. */
  readonly binGoesLeft: Uint8Array;
  /** Where missing values go, learnt from the rows with missing values (or the larger child when there were none). */
  readonly defaultLeft: boolean;
  /** Numeric splits: bins 1…thresholdBin go left. 0 for categorical splits. */
  readonly thresholdBin: number;
  /** Categorical splits: the value bins that go left (the smaller side, so the list stays short). */
  readonly leftBins: readonly number[];
  readonly left: GradientStats;
  readonly right: GradientStats;
}

/** Everything the search over one leaf needs. */
export interface SplitSearch {
  readonly histogram: Float64Array;
  readonly layout: HistogramLayout;
  readonly binnings: readonly FeatureBinning[];
  readonly features: Int32Array;
  readonly total: GradientStats;
  readonly options: SplitSearchOptions;
}

const leafScore = (grad: number, hess: number, lambda: number): number => (grad * grad) / (hess + lambda);

/**
 * Finds the split of highest gain `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)` over the features,
 * or undefined when no split satisfies the limits. Ties keep the first feature and bin, so
 * the result does not depend on anything but the data.
 */
export function findBestSplit(search: SplitSearch): SplitCandidate | undefined {
  let best: SplitCandidate | undefined;
  for (let k = 0; k < search.features.length; k++) {
    const f = search.features[k] as number;
    const binning = search.binnings[f] as FeatureBinning;
    const candidate = binning.kind === 'numeric' ? bestNumericSplit(search, f) : bestCategoricalSplit(search, f);
    if (candidate && (!best || candidate.gain > best.gain)) best = candidate;
  }
  return best;
}

/** Tracks the best partition of one feature while its bins are scanned. */
class PartitionScan {
  gain: number;
  left: GradientStats | undefined;
  missingLeft = false;
  position = 0;
  readonly #parentScore: number;

  constructor(
    private readonly total: GradientStats,
    private readonly options: SplitSearchOptions,
    private readonly lambda: number,
  ) {
    this.#parentScore = leafScore(total.grad, total.hess, lambda);
    this.gain = options.minSplitGain;
  }

  /** Considers "these stats go left, the rest right"; keeps it if it is the best so far. */
  offer(grad: number, hess: number, count: number, missingLeft: boolean, position: number): void {
    const { total, options } = this;
    const rightCount = total.count - count;
    const rightHess = total.hess - hess;
    if (count < options.minSamplesLeaf || rightCount < options.minSamplesLeaf) return;
    if (hess < options.minHessianLeaf || rightHess < options.minHessianLeaf) return;
    const gain = leafScore(grad, hess, this.lambda) + leafScore(total.grad - grad, rightHess, this.lambda) - this.#parentScore;
    if (gain > this.gain) {
      this.gain = gain;
      this.left = { grad, hess, count };
      this.missingLeft = missingLeft;
      this.position = position;
    }
  }

  right(): GradientStats {
    const left = this.left as GradientStats;
    return { grad: this.total.grad - left.grad, hess: this.total.hess - left.hess, count: this.total.count - left.count };
  }
}

function bestNumericSplit(search: SplitSearch, f: number): SplitCandidate | undefined {
  const { histogram, layout, total, options } = search;
  const base = layout.offsets[f] as number;
  const valueBins = (layout.binCounts[f] as number) - 1;
  const [missingGrad, missingHess, missingCount] = [histogram[base]!, histogram[base + 1]!, histogram[base + 2]!];
  const scan = new PartitionScan(total, options, options.lambda);
  let grad = 0;
  let hess = 0;
  let count = 0;
  for (let bin = 1; bin <= valueBins; bin++) {
    const at = base + bin * 3;
    grad += histogram[at]!;
    hess += histogram[at + 1]!;
    count += histogram[at + 2]!;
    scan.offer(grad, hess, count, false, bin);
    if (missingCount > 0) scan.offer(grad + missingGrad, hess + missingHess, count + missingCount, true, bin);
  }
  if (!scan.left) return undefined;
  const right = scan.right();
  const defaultLeft = missingCount > 0 ? scan.missingLeft : scan.left.hess >= right.hess;
  const binGoesLeft = new Uint8Array(valueBins + 1);
  binGoesLeft.fill(1, 1, scan.position + 1);
  binGoesLeft[0] = defaultLeft ? 1 : 0;
  return { feature: f, gain: scan.gain, binGoesLeft, defaultLeft, thresholdBin: scan.position, leftBins: [], left: scan.left, right };
}

/**
 * LightGBM-style categorical split: the categories present in the leaf are
 * sorted by `grad / (hess + smoothing)` and every prefix of that order is a
 * candidate set, which finds the best partition in O(k log k) instead of 2^k.
 * One side becomes the listed left set (at most `maxCategoriesPerSplit`
 * categories): the smaller one, or the one without the shared bin of rare
 * categories. Every other category, unseen ones included, goes right.
 */
function bestCategoricalSplit(search: SplitSearch, f: number): SplitCandidate | undefined {
  const { histogram, layout, total, options } = search;
  const binning = search.binnings[f] as Extract<FeatureBinning, { kind: 'categorical' }>;
  const base = layout.offsets[f] as number;
  const valueBins = (layout.binCounts[f] as number) - 1;
  const present: number[] = [];
  for (let bin = 1; bin <= valueBins; bin++) if (histogram[base + bin * 3 + 2]! > 0) present.push(bin);
  if (present.length < 2) return undefined;
  const ratio = (bin: number) =>
    histogram[base + bin * 3]! / (histogram[base + bin * 3 + 1]! + options.categoricalSmoothing);
  present.sort((a, b) => ratio(a) - ratio(b) || a - b);

  // The shared bin of rare categories is never listed (listing it would list all of them): its side stays unlisted.
  const otherBin = binning.rareCategoryCount > 0 ? valueBins : -1;
  const otherRank = present.indexOf(otherBin);
  const listedSize = (prefixSize: number) =>
    otherRank < 0 ? Math.min(prefixSize, present.length - prefixSize) : otherRank < prefixSize ? present.length - prefixSize : prefixSize;

  const [missingGrad, missingHess, missingCount] = [histogram[base]!, histogram[base + 1]!, histogram[base + 2]!];
  const scan = new PartitionScan(total, options, options.lambda + options.categoricalL2);
  let grad = 0;
  let hess = 0;
  let count = 0;
  for (let size = 1; size < present.length; size++) {
    const at = base + present[size - 1]! * 3;
    grad += histogram[at]!;
    hess += histogram[at + 1]!;
    count += histogram[at + 2]!;
    if (listedSize(size) > options.maxCategoriesPerSplit) continue;
    scan.offer(grad, hess, count, false, size);
    if (missingCount > 0) scan.offer(grad + missingGrad, hess + missingHess, count + missingCount, true, size);
  }
  if (!scan.left) return undefined;
  // The scanned prefix went "left"; list the side chosen above and make it the left child.
  const size = scan.position;
  const prefixIsSet = otherRank < 0 ? size <= present.length - size : otherRank >= size;
  const leftBins = prefixIsSet ? present.slice(0, size) : present.slice(size);
  const prefixStats = scan.left;
  const restStats = scan.right();
  const left = prefixIsSet ? prefixStats : restStats;
  const right = prefixIsSet ? restStats : prefixStats;
  const missingWithPrefix = scan.missingLeft;
  const defaultLeft = missingCount > 0 ? missingWithPrefix === prefixIsSet : left.hess >= right.hess;
  const binGoesLeft = new Uint8Array(valueBins + 1);
  for (const bin of leftBins) binGoesLeft[bin] = 1;
  binGoesLeft[0] = defaultLeft ? 1 : 0;
  return { feature: f, gain: scan.gain, binGoesLeft, defaultLeft, thresholdBin: 0, leftBins, left, right };
}
