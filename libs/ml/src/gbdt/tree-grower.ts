import type { FeatureBinning } from './bin-mapper.js';
import type { GrowthThreads } from './growth-threads.js';
import { subtractHistogram, type HistogramLayout, type HistogramPool } from './histogram.js';
import { findBestSplit, type GradientStats, type SplitCandidate, type SplitSearchOptions } from './split-finder.js';
import type { Tree } from './tree.js';

/** Limits of one tree's growth. */
export interface TreeGrowthOptions extends SplitSearchOptions {
  readonly maxLeaves: number;
  readonly maxDepth: number;
  /** Multiplies every leaf value (shrinkage). */
  readonly learningRate: number;
}

/** The training set as histograms see it. */
export interface BinnedDataset {
  /** One column of bins per feature (in the training memory). */
  readonly bins: readonly Uint8Array[];
  readonly binnings: readonly FeatureBinning[];
  readonly layout: HistogramLayout;
}

/** Reusable buffers of one training run. */
export interface GrowthWorkspace {
  readonly pool: HistogramPool;
  readonly threads: GrowthThreads;
  /**
   * Gradients of the training memory's rows, in the order of those rows (the
   * histogram kernel reads them there): they move with the rows when a leaf
   * is partitioned, so every leaf's gradients stay contiguous.
   */
  readonly orderedGrad: Float64Array;
  readonly orderedHess: Float64Array;
}

/** A grown tree and where the rows it was grown on ended up. */
export interface GrownTree {
  readonly tree: Tree;
  /** `rows[leafStart[l] .. leafEnd[l])` are the rows of leaf l (the `rows` array passed in, reordered). */
  readonly leafStart: Int32Array;
  readonly leafEnd: Int32Array;
  /** Per internal node: which bins of its feature go left; routes rows that were not in `rows` (bagging). */
  readonly binGoesLeft: readonly Uint8Array[];
}

interface GrowingLeaf {
  start: number;
  end: number;
  stats: GradientStats;
  depth: number;
  histogram: Float64Array | undefined;
  split: SplitCandidate | undefined;
  /** Internal node whose child this leaf is, −1 for the root, and on which side. */
  parent: number;
  isLeft: boolean;
}

/**
 * Grows one tree leaf-wise (best-first): the leaf whose best split gains most
 * is split next, until `maxLeaves` leaves or no allowed split remains. Only
 * the smaller child's histogram is built from rows; the larger one is the
 * parent's minus it. `rows` (a prefix of the training memory's rows, in
 * increasing order) is reordered so each leaf's rows are contiguous, and
 * their gradients with them. `grad` and `hess` are by row, or, when `rows`
 * are all rows, may be the workspace's ordered arrays themselves.
 */
export function growTree(
  data: BinnedDataset,
  grad: Float64Array,
  hess: Float64Array,
  rows: Uint32Array,
  features: Int32Array,
  options: TreeGrowthOptions,
  workspace: GrowthWorkspace,
): GrownTree {
  const nodes: SplitCandidate[] = [];
  const leftChild: number[] = [];
  const rightChild: number[] = [];
  const search = (leaf: GrowingLeaf): void => {
    const splittable = leaf.depth < options.maxDepth && leaf.stats.count >= 2 * options.minSamplesLeaf;
    if (!splittable || !leaf.histogram) return;
    leaf.split = findBestSplit({
      histogram: leaf.histogram,
      layout: data.layout,
      binnings: data.binnings,
      features,
      total: leaf.stats,
      options,
    });
  };

  const { orderedGrad, orderedHess } = workspace;
  // Gradients already in the ordered arrays are those of all rows, in order.
  if (grad !== orderedGrad) {
    for (let i = 0; i < rows.length; i++) {
      orderedGrad[i] = grad[rows[i] as number] as number;
      orderedHess[i] = hess[rows[i] as number] as number;
    }
  }
  const root: GrowingLeaf = {
    start: 0,
    end: rows.length,
    stats: sumStats(orderedGrad, orderedHess, rows.length),
    depth: 0,
    histogram: workspace.pool.acquire(),
    split: undefined,
    parent: -1,
    isLeft: false,
  };
  // Increasing and as many as the data has: these are all rows in order, read in place.
  const allRows = rows.length === grad.length;
  workspace.threads.buildHistogram(root.histogram as Float64Array, features, 0, rows.length, allRows);
  search(root);
  const leaves: GrowingLeaf[] = [root];

  while (leaves.length < options.maxLeaves) {
    let best = -1;
    for (let l = 0; l < leaves.length; l++) {
      const split = leaves[l]?.split;
      if (split && (best < 0 || split.gain > (leaves[best]?.split as SplitCandidate).gain)) best = l;
    }
    if (best < 0) break;
    const leaf = leaves[best] as GrowingLeaf;
    const split = leaf.split as SplitCandidate;
    const node = nodes.length;
    nodes.push(split);
    leftChild.push(0);
    rightChild.push(0);
    if (leaf.parent >= 0) (leaf.isLeft ? leftChild : rightChild)[leaf.parent] = node;

    const middle = workspace.threads.partition(split.feature, split.binGoesLeft, leaf.start, leaf.end);
    const child = (start: number, end: number, stats: GradientStats, isLeft: boolean): GrowingLeaf => ({
      start, end, stats, depth: leaf.depth + 1, histogram: undefined, split: undefined, parent: node, isLeft,
    });
    const left = child(leaf.start, middle, split.left, true);
    const right = child(middle, leaf.end, split.right, false);
    const [smaller, larger] = middle - leaf.start <= leaf.end - middle ? [left, right] : [right, left];
    smaller.histogram = workspace.pool.acquire();
    workspace.threads.buildHistogram(smaller.histogram, features, smaller.start, smaller.end, false);
    larger.histogram = leaf.histogram as Float64Array;
    subtractHistogram(larger.histogram, smaller.histogram, data.layout, features);
    search(left);
    search(right);
    leaves[best] = left;
    leaves.push(right);
  }

  const leafValue = new Float64Array(leaves.length);
  const leafCover = new Float64Array(leaves.length);
  const leafStart = new Int32Array(leaves.length);
  const leafEnd = new Int32Array(leaves.length);
  leaves.forEach((leaf, l) => {
    if (leaf.histogram) workspace.pool.release(leaf.histogram);
    leafValue[l] = (-leaf.stats.grad / (leaf.stats.hess + options.lambda)) * options.learningRate;
    leafCover[l] = leaf.stats.count;
    leafStart[l] = leaf.start;
    leafEnd[l] = leaf.end;
    if (leaf.parent >= 0) (leaf.isLeft ? leftChild : rightChild)[leaf.parent] = ~l;
  });
  return {
    tree: toTree(nodes, data.binnings, leftChild, rightChild, leafValue, leafCover),
    leafStart,
    leafEnd,
    binGoesLeft: nodes.map((split) => split.binGoesLeft),
  };
}

function sumStats(grad: Float64Array, hess: Float64Array, count: number): GradientStats {
  let g = 0;
  let h = 0;
  for (let i = 0; i < count; i++) {
    g += grad[i] as number;
    h += hess[i] as number;
  }
  return { grad: g, hess: h, count };
}

/** Turns bin-level splits into value-level tests on the original features. */
function toTree(
  nodes: readonly SplitCandidate[],
  binnings: readonly FeatureBinning[],
  leftChild: number[],
  rightChild: number[],
  leafValue: Float64Array,
  leafCover: Float64Array,
): Tree {
  const threshold = new Float64Array(nodes.length);
  const categories = nodes.map((split, i) => {
    const binning = binnings[split.feature] as FeatureBinning;
    if (binning.kind === 'numeric') {
      // Bins 1…k go left: up to thresholds[k − 1]; when every value bin goes left, any number does.
      threshold[i] = binning.thresholds[split.thresholdBin - 1] ?? FLOAT32_MAX;
      return null;
    }
    // Split search never lists the shared bin of rare categories, so every listed bin is one code.
    return Float64Array.from(split.leftBins, (bin) => binning.categories[bin - 1] as number).sort();
  });
  return {
    splitFeature: Int32Array.from(nodes, (split) => split.feature),
    threshold,
    categories,
    defaultLeft: Uint8Array.from(nodes, (split) => (split.defaultLeft ? 1 : 0)),
    leftChild: Int32Array.from(leftChild),
    rightChild: Int32Array.from(rightChild),
    splitGain: Float64Array.from(nodes, (split) => split.gain),
    leafValue,
    nodeCover: Float64Array.from(nodes, (split) => split.left.count + split.right.count),
    leafCover,
  };
}

/** The largest float32 number: `x <= FLOAT32_MAX` holds for every finite float32 input. */
export const FLOAT32_MAX = 3.4028234663852886e38;
