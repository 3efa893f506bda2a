import type { Tree } from './tree.js';

/** Flags per node in {@link RoutingTree.goesLeft}: every bin, and one past them for categories unseen in training. */
export const BIN_SLOTS = 257;

/**
 * A tree laid out to route binned rows, in arrays that can live in shared
 * memory: per internal node its feature, its children (a negative child is
 * the leaf `~child`) and `BIN_SLOTS` flags, 1 where that bin goes left
 * (the missing bin 0 included).
 */
export interface RoutingTree {
  readonly splitFeature: Int32Array;
  readonly leftChild: Int32Array;
  readonly rightChild: Int32Array;
  readonly leafValue: Float64Array;
  readonly goesLeft: Uint8Array;
}

/** Room for trees of up to `maxLeaves` leaves, in shared memory when a worker is to read it. */
export function createRoutingTree(maxLeaves: number): RoutingTree {
  const shared = <T>(Type: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T =>
    new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
  return {
    splitFeature: shared(Int32Array, maxLeaves),
    leftChild: shared(Int32Array, maxLeaves),
    rightChild: shared(Int32Array, maxLeaves),
    leafValue: shared(Float64Array, maxLeaves),
    goesLeft: shared(Uint8Array, maxLeaves * BIN_SLOTS),
  };
}

/** Writes `tree` (with the bins that go left at each node) into `into`; returns its number of internal nodes. */
export function setRoutingTree(into: RoutingTree, tree: Tree, binGoesLeft: readonly Uint8Array[]): number {
  const nodeCount = tree.splitFeature.length;
  into.splitFeature.set(tree.splitFeature);
  into.leftChild.set(tree.leftChild);
  into.rightChild.set(tree.rightChild);
  into.leafValue.set(tree.leafValue);
  into.goesLeft.fill(0, 0, nodeCount * BIN_SLOTS);
  binGoesLeft.forEach((bins, node) => into.goesLeft.set(bins, node * BIN_SLOTS));
  return nodeCount;
}

/**
 * Adds the output of the tree in `tree` (with `nodeCount` internal nodes) to
 * `raw[r]` for rows `from..to`, routing each row by its bins — which sends it
 * where the value-level tree would — and skipping rows with `skip[r]` = 1.
 *
 * The growth worker runs this very function from its source text, so it
 * must not refer to anything outside itself.
 */
export function addTreeScores(
  raw: Float64Array,
  bins: readonly (Uint8Array | Uint16Array)[],
  tree: RoutingTree,
  nodeCount: number,
  from: number,
  to: number,
  skip: Uint8Array | undefined,
): void {
  const { splitFeature, leftChild, rightChild, leafValue, goesLeft } = tree;
  const slots = goesLeft.length / splitFeature.length; // BIN_SLOTS
  for (let r = from; r < to; r++) {
    if (skip !== undefined && skip[r] === 1) continue;
    let node = nodeCount === 0 ? -1 : 0;
    while (node >= 0) {
      const bin = (bins[splitFeature[node] as number] as Uint8Array | Uint16Array)[r] as number;
      node = goesLeft[node * slots + bin] === 1 ? (leftChild[node] as number) : (rightChild[node] as number);
    }
    raw[r]! += leafValue[~node] as number;
  }
}
