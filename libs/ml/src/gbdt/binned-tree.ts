import type { Tree } from './tree.js';

/**
 * The leaf of `tree` that `row` reaches, read from binned columns rather than
 * values: `binGoesLeft[node][bin]` is 1 where the bin goes left at an internal
 * node, the missing bin included. A bin past the end of that array (a category
 * never seen in training) goes right, as it does in the value-level tree.
 */
export function binnedLeafIndex(
  tree: Tree,
  binGoesLeft: readonly Uint8Array[],
  bins: readonly (Uint8Array | Uint16Array)[],
  row: number,
): number {
  if (tree.splitFeature.length === 0) return 0;
  let node = 0;
  while (node >= 0) {
    const bin = (bins[tree.splitFeature[node] as number] as Uint8Array | Uint16Array)[row] as number;
    node = (binGoesLeft[node] as Uint8Array)[bin] === 1 ? (tree.leftChild[node] as number) : (tree.rightChild[node] as number);
  }
  return ~node;
}
