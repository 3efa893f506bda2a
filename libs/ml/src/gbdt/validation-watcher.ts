import { binColumn, type FeatureBinning } from './bin-mapper.js';
import type { FeatureMatrix } from '../feature-matrix.js';
import type { GrowthThreads } from './growth-threads.js';
import { addTreeScores, createRoutingTree, setRoutingTree, type RoutingTree } from './routing-tree.js';
import type { Tree } from './tree.js';

/** The validation rows as a worker scores them: bins, raw scores and the tree to add, in shared memory. */
export interface ValidationScoring {
  readonly bins: readonly Uint16Array[];
  readonly raw: Float64Array;
  readonly tree: RoutingTree;
}

/**
 * Keeps the validation set's raw scores up to date tree by tree and remembers
 * the best round. The set is binned once with the training binnings (16-bit,
 * so a category unseen in training gets a bin of its own past every split's
 * list), and each new tree routes its rows by bins, which sends every row
 * where the value-level tree would. The rows are scored on the growth worker
 * while the main thread updates the training scores.
 */
export class ValidationWatcher {
  readonly scoring: ValidationScoring;
  readonly #labels: ArrayLike<number>;
  readonly #loss: (labels: ArrayLike<number>, raw: Float64Array) => number;
  #threads: GrowthThreads | undefined;
  #nodeCount = 0;
  #scoringOnWorker = false;
  #round = -1;
  #bestLoss = Number.POSITIVE_INFINITY;
  bestRound = -1;

  constructor(
    data: FeatureMatrix,
    labels: ArrayLike<number>,
    binnings: readonly FeatureBinning[],
    baseScore: number,
    maxLeaves: number,
    loss: (labels: ArrayLike<number>, raw: Float64Array) => number,
  ) {
    const n = data.rowCount;
    const shared = (bytes: number) => new SharedArrayBuffer(Math.max(1, bytes));
    this.scoring = {
      bins: data.columns.map((column, f) => binColumn(column, binnings[f] as FeatureBinning, new Uint16Array(shared(2 * n), 0, n))),
      raw: new Float64Array(shared(8 * n), 0, n).fill(baseScore),
      tree: createRoutingTree(maxLeaves),
    };
    this.#labels = labels;
    this.#loss = loss;
  }

  /** The threads whose worker scores the rows (it was given {@link scoring}). */
  useThreads(threads: GrowthThreads): void {
    this.#threads = threads;
  }

  /** Starts adding a tree (with the bins that go left at each of its nodes) to the scores, on the worker when there is one. */
  startRound(tree: Tree, binGoesLeft: readonly Uint8Array[]): void {
    this.#nodeCount = setRoutingTree(this.scoring.tree, tree, binGoesLeft);
    this.#scoringOnWorker = this.#threads?.startScoring(this.#nodeCount) ?? false;
  }

  /** Waits for the scores of the round started last and returns the validation loss after it. */
  finishRound(): number {
    const { raw, bins, tree } = this.scoring;
    if (this.#scoringOnWorker) this.#threads?.finishScoring();
    else addTreeScores(raw, bins, tree, this.#nodeCount, 0, raw.length, undefined);
    this.#round++;
    const loss = this.#loss(this.#labels, raw);
    if (loss < this.#bestLoss) {
      this.#bestLoss = loss;
      this.bestRound = this.#round;
    }
    return loss;
  }
}
