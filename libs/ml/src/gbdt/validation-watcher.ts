import { binColumn, type FeatureBinning } from './bin-mapper.js';
import { binnedLeafIndex } from './binned-tree.js';
import type { Tree } from './tree.js';
import type { FeatureMatrix } from '../feature-matrix.js';

/**
 * Keeps the validation set's raw scores up to date tree by tree and remembers
 * the best round. The set is binned once with the training binnings (16-bit,
 * so a category unseen in training gets a bin of its own past every split's
 * list), and each new tree routes its rows by bins, which sends every row
 * where the value-level tree would.
 */
export class ValidationWatcher {
  readonly #labels: ArrayLike<number>;
  readonly #bins: Uint16Array[];
  readonly #raw: Float64Array;
  readonly #loss: (labels: ArrayLike<number>, raw: Float64Array) => number;
  #round = -1;
  #bestLoss = Number.POSITIVE_INFINITY;
  bestRound = -1;

  constructor(
    data: FeatureMatrix,
    labels: ArrayLike<number>,
    binnings: readonly FeatureBinning[],
    baseScore: number,
    loss: (labels: ArrayLike<number>, raw: Float64Array) => number,
  ) {
    this.#labels = labels;
    this.#bins = data.columns.map((column, f) => binColumn(column, binnings[f] as FeatureBinning, new Uint16Array(column.length)));
    this.#raw = new Float64Array(data.rowCount).fill(baseScore);
    this.#loss = loss;
  }

  /** Adds a tree (with the bins that go left at each of its nodes) and returns the validation loss after it. */
  add(tree: Tree, binGoesLeft: readonly Uint8Array[]): number {
    this.#round++;
    const raw = this.#raw;
    for (let r = 0; r < raw.length; r++) raw[r]! += tree.leafValue[binnedLeafIndex(tree, binGoesLeft, this.#bins, r)] as number;
    const loss = this.#loss(this.#labels, raw);
    if (loss < this.#bestLoss) {
      this.#bestLoss = loss;
      this.bestRound = this.#round;
    }
    return loss;
  }
}
