import { InvalidOptionsError } from '../errors.js';
import { assertBinaryLabels, assertRegressionTargets, assertSameFeatures, type FeatureMatrix } from '../feature-matrix.js';
import { createRandom, type Random } from '@tributary/seeded-random';
import { binColumn, binCount, createBinnings } from './bin-mapper.js';
import { GbdtModel } from './gbdt-model.js';
import { availableParallelism } from 'node:os';
import { GrowthThreads } from './growth-threads.js';
import { createHistogramLayout, HistogramPool } from './histogram.js';
import { objectiveFunctions, type GbdtObjective, type ObjectiveFunctions } from './objective.js';
import { addTreeScores, createRoutingTree, setRoutingTree } from './routing-tree.js';
import type { Tree } from './tree.js';
import { createTrainingMemory, type TrainingMemory } from './training-memory.js';
import { growTree, type BinnedDataset, type GrownTree, type GrowthWorkspace, type TreeGrowthOptions } from './tree-grower.js';
import { ValidationWatcher } from './validation-watcher.js';

/** A labelled set held out from training, watched for early stopping. */
export interface ValidationSet {
  readonly data: FeatureMatrix;
  readonly labels: ArrayLike<number>;
}

/** Progress of one boosting round, for logs and progress bars. */
export interface BoostingProgress {
  /** Rounds done so far (1 after the first tree). */
  readonly round: number;
  readonly maxRounds: number;
  /**
   * Mean training loss (log loss or squared error) after this round. It takes
   * a pass over every row, so it is computed when first read: read it within
   * the callback, before the next round changes the scores.
   */
  readonly trainLoss: number;
  /** Mean validation loss after this round, when a validation set is given. */
  readonly validationLoss?: number;
}

/** Options of {@link trainGbdt}. */
export interface GbdtOptions {
  /** Loss to minimise. Default `'binary'` (log loss; labels 0/1). */
  readonly objective?: GbdtObjective;
  /** Most boosting rounds (trees). Default 100. */
  readonly maxRounds?: number;
  /** Shrinkage of every tree. Default 0.1. */
  readonly learningRate?: number;
  /** Most leaves per tree. Default 31. */
  readonly maxLeaves?: number;
  /** Deepest a leaf may be, the root at depth 0. Default unlimited (`Infinity`); `maxLeaves` bounds trees. */
  readonly maxDepth?: number;
  /** Fewest training rows in a leaf. Default 20. */
  readonly minSamplesLeaf?: number;
  /** Smallest hessian sum in a leaf. Default 1e-3. */
  readonly minHessianLeaf?: number;
  /** L2 regularisation λ of leaf values. Default 0. */
  readonly lambda?: number;
  /** Smallest loss reduction worth a split. Default 0. */
  readonly minSplitGain?: number;
  /** Most value bins per feature (a missing-value bin comes on top); 2…255. Default 255. */
  readonly maxBins?: number;
  /** Rows sampled to place numeric bin edges at quantiles. Default 200 000. */
  readonly binSampleSize?: number;
  /** Share of rows each tree is grown on, drawn anew per round. Default 1. */
  readonly rowSampleRate?: number;
  /** Share of features each tree may split on, drawn anew per round. Default 1. */
  readonly featureSampleRate?: number;
  /** Seed of every random choice (row and feature sampling, bin sample). Default 0. */
  readonly seed?: number;
  /** Added to the hessian when categories are ordered by gradient ratio. Default 10. */
  readonly categoricalSmoothing?: number;
  /** Extra L2 term in the gain of categorical splits, which overfit more easily. Default 10. */
  readonly categoricalL2?: number;
  /** Most categories listed on the left of a categorical split. Default 32. */
  readonly maxCategoriesPerSplit?: number;
  /** Watched after every round; training stops when its loss has not improved for `earlyStoppingRounds`. */
  readonly validation?: ValidationSet;
  /** Patience of early stopping, in rounds. Default 10. */
  readonly earlyStoppingRounds?: number;
  /** Threads that build histograms (the main one and up to one worker). Default min(2, available cores); results do not depend on it. */
  readonly threads?: number;
  /** Called after every round. */
  readonly onProgress?: (progress: BoostingProgress) => void;
}

type ResolvedOptions = Required<Omit<GbdtOptions, 'validation' | 'onProgress'>>;

const defaults: ResolvedOptions = {
  objective: 'binary',
  maxRounds: 100,
  learningRate: 0.1,
  maxLeaves: 31,
  maxDepth: Number.POSITIVE_INFINITY,
  minSamplesLeaf: 20,
  minHessianLeaf: 1e-3,
  lambda: 0,
  minSplitGain: 0,
  maxBins: 255,
  binSampleSize: 200_000,
  rowSampleRate: 1,
  featureSampleRate: 1,
  seed: 0,
  categoricalSmoothing: 10,
  categoricalL2: 10,
  maxCategoriesPerSplit: 32,
  earlyStoppingRounds: 10,
  threads: Math.min(2, availableParallelism()),
};

/**
 * Trains histogram-based gradient-boosted trees (LightGBM's design, written
 * here): features binned once into ≤ 255 quantile bins plus a missing bin,
 * trees grown leaf-wise on gradient histograms with the subtraction trick,
 * categorical features split by sorted gradient statistics, optional row and
 * feature sampling, and early stopping on a validation set. The same data,
 * options and seed always give the same model.
 */
export function trainGbdt(data: FeatureMatrix, labels: ArrayLike<number>, options: GbdtOptions = {}): GbdtModel {
  const opts = resolveOptions(options);
  const checkLabels = opts.objective === 'binary' ? assertBinaryLabels : assertRegressionTargets;
  checkLabels(labels, data.rowCount);
  const { validation } = options;
  if (validation) {
    assertSameFeatures(data.featureNames, data.categorical, validation.data);
    checkLabels(validation.labels, validation.data.rowCount);
  }

  const binnings = createBinnings(data, { maxBins: opts.maxBins, sampleSize: opts.binSampleSize, seed: opts.seed });
  const n = data.rowCount;
  const layout = createHistogramLayout(binnings.map(binCount));
  const memory = createTrainingMemory({ rowCount: n, featureCount: binnings.length, histogramLength: layout.length, histogramCount: opts.maxLeaves });
  data.columns.forEach((column, f) => binColumn(column, binnings[f]!, memory.bins[f]!));
  const dataset: BinnedDataset = {
    bins: memory.bins,
    binnings,
    layout,
  };
  const objective = objectiveFunctions(opts.objective);
  const baseScore = objective.baseScore(labels);
  const watcher =
    validation && new ValidationWatcher(validation.data, validation.labels, binnings, baseScore, opts.maxLeaves, objective.loss);
  const workspace: GrowthWorkspace = {
    pool: new HistogramPool(memory.histograms),
    threads: new GrowthThreads(memory, layout, opts.threads, watcher?.scoring),
    orderedGrad: memory.orderedGrad,
    orderedHess: memory.orderedHess,
  };
  watcher?.useThreads(workspace.threads);
  try {
    return boost(data, labels, opts, objective, baseScore, dataset, memory, workspace, watcher, options.onProgress);
  } finally {
    workspace.threads.close();
  }
}

/** The boosting loop: one tree per round on the current gradients. */
function boost(
  data: FeatureMatrix,
  labels: ArrayLike<number>,
  opts: ResolvedOptions & TreeGrowthOptions,
  objective: ObjectiveFunctions,
  baseScore: number,
  dataset: BinnedDataset,
  memory: TrainingMemory,
  workspace: GrowthWorkspace,
  watcher: ValidationWatcher | undefined,
  onProgress: GbdtOptions['onProgress'],
): GbdtModel {
  const n = data.rowCount;
  const raw = new Float64Array(n).fill(baseScore);
  // Without bagging every tree takes all rows in order: gradients go straight where the kernel reads them.
  const { grad, hess } = opts.rowSampleRate >= 1 ? { grad: memory.orderedGrad, hess: memory.orderedHess } : memory;
  const random = createRandom(opts.seed);
  const allFeatures = Int32Array.from(data.featureNames, (_, f) => f);

  const trees: Tree[] = [];
  let bestRounds = 0;
  objective.gradients(labels, raw, grad, hess);
  for (let round = 0; round < opts.maxRounds; round++) {
    const rows = sampleRows(memory.rows, opts.rowSampleRate, random);
    const features = sampleFeatures(allFeatures, opts.featureSampleRate, random);
    const grown = growTree(dataset, grad, hess, rows, features, opts, workspace);
    trees.push(grown.tree);
    watcher?.startRound(grown.tree, grown.binGoesLeft);
    addLeafValues(raw, rows, grown);
    if (rows.length < n) addToOutOfBagRows(raw, rows, grown, dataset.bins);
    // The next round's gradients, while the worker scores the validation rows.
    objective.gradients(labels, raw, grad, hess);
    const validationLoss = watcher?.finishRound();
    if (onProgress) {
      let trainLoss: number | undefined;
      onProgress({
        round: round + 1,
        maxRounds: opts.maxRounds,
        get trainLoss() {
          return (trainLoss ??= objective.loss(labels, raw));
        },
        ...(validationLoss === undefined ? {} : { validationLoss }),
      });
    }
    if (!watcher) bestRounds = round + 1;
    else if (watcher.bestRound === round) bestRounds = round + 1;
    else if (round - watcher.bestRound >= opts.earlyStoppingRounds) break;
  }
  return new GbdtModel({
    objective: opts.objective,
    featureNames: data.featureNames,
    categorical: data.categorical,
    baseScore,
    trees: trees.slice(0, bestRounds),
    roundsTrained: trees.length,
  });
}

function resolveOptions(options: GbdtOptions): ResolvedOptions & TreeGrowthOptions {
  const opts: ResolvedOptions = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && key in defaults) (opts as Record<string, unknown>)[key] = value;
  }
  const positiveInteger = (name: keyof ResolvedOptions, min: number, max = Number.POSITIVE_INFINITY) => {
    const value = opts[name] as number;
    if (!(value >= min && value <= max) || (Number.isFinite(value) && !Number.isInteger(value))) {
      throw new InvalidOptionsError(name, `must be an integer in [${min}, ${max}], got ${value}`);
    }
  };
  const rate = (name: keyof ResolvedOptions) => {
    const value = opts[name] as number;
    if (!(value > 0 && value <= 1)) throw new InvalidOptionsError(name, `must be in (0, 1], got ${value}`);
  };
  const nonNegative = (name: keyof ResolvedOptions) => {
    const value = opts[name] as number;
    if (!(value >= 0 && Number.isFinite(value))) throw new InvalidOptionsError(name, `must be ≥ 0, got ${value}`);
  };
  if (opts.objective !== 'binary' && opts.objective !== 'regression') {
    throw new InvalidOptionsError('objective', `must be 'binary' or 'regression', got ${String(opts.objective)}`);
  }
  positiveInteger('maxRounds', 1);
  positiveInteger('maxLeaves', 2);
  positiveInteger('maxDepth', 1);
  positiveInteger('minSamplesLeaf', 1);
  positiveInteger('maxBins', 2, 255);
  positiveInteger('binSampleSize', 1);
  positiveInteger('maxCategoriesPerSplit', 1);
  positiveInteger('earlyStoppingRounds', 1);
  positiveInteger('threads', 1);
  rate('learningRate');
  rate('rowSampleRate');
  rate('featureSampleRate');
  for (const name of ['minHessianLeaf', 'lambda', 'minSplitGain', 'categoricalSmoothing', 'categoricalL2'] as const) nonNegative(name);
  return opts;
}

/** Bagging: each row joins this round's tree with probability `rate`. Writes into `rows`, returns the used prefix. */
function sampleRows(rows: Uint32Array, rate: number, random: Random): Uint32Array {
  const n = rows.length;
  if (rate >= 1) {
    for (let i = 0; i < n; i++) rows[i] = i;
    return rows;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (random() < rate) rows[count++] = i;
  if (count === 0) rows[count++] = 0;
  return rows.subarray(0, count);
}

/** A random subset of the features (at least one), in their original order. */
function sampleFeatures(all: Int32Array, rate: number, random: Random): Int32Array {
  if (rate >= 1) return all;
  const keep = Math.max(1, Math.round(all.length * rate));
  const order = Array.from(all);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return Int32Array.from(order.slice(0, keep)).sort();
}

/** Adds each leaf's value to the raw scores of the rows the tree put in it. */
function addLeafValues(raw: Float64Array, rows: Uint32Array, grown: GrownTree): void {
  const { leafStart, leafEnd, tree } = grown;
  for (let leaf = 0; leaf < leafStart.length; leaf++) {
    const value = tree.leafValue[leaf] as number;
    const end = leafEnd[leaf] as number;
    for (let i = leafStart[leaf] as number; i < end; i++) raw[rows[i] as number]! += value;
  }
}

/** Adds the new tree's output to rows it was not grown on, routing them by their bins. */
function addToOutOfBagRows(raw: Float64Array, inBag: Uint32Array, grown: GrownTree, bins: readonly Uint8Array[]): void {
  const isInBag = new Uint8Array(raw.length);
  for (const r of inBag) isInBag[r] = 1;
  const tree = createRoutingTree(grown.tree.leafValue.length);
  const nodeCount = setRoutingTree(tree, grown.tree, grown.binGoesLeft);
  addTreeScores(raw, bins, tree, nodeCount, 0, raw.length, isInBag);
}
