import { ExplanationUnavailableError, InvalidDatasetError } from '../errors.js';
import type { GbdtModel } from '../gbdt/gbdt-model.js';
import type { Tree } from '../gbdt/tree.js';
import type { PackedRows } from '../onnx/onnx-predictor.js';
import type { Explainer, Explanation } from './explanation.js';

/** One tree in one index space: internal nodes first (`0 … internal − 1`), then leaf `l` at `internal + l`. */
interface ShapTree {
  readonly internal: number;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly categorySets: readonly (ReadonlySet<number> | null)[];
  readonly defaultLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Training rows per node, leaves included. */
  readonly cover: Float64Array;
  /** Leaf values at leaf indices (0 at internal nodes). */
  readonly value: Float64Array;
}

/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion, Lee 2018, Algorithm 2) for
 * a {@link GbdtModel}: the Shapley values of `v(S) = E[f(x) | x_S]` where the
 * expectation follows the training covers down every branch a feature
 * outside S leaves open — the same values as `shap.TreeExplainer` with
 * `feature_perturbation="tree_path_dependent"`. Contributions are in margin
 * (log-odds) space; the base value is the cover-weighted mean margin.
 *
 * A row takes at every node the branch the model takes: float32 comparison
 * `x <= threshold`, category-set membership, and the learned default
 * direction for a missing value. Cost per row is O(trees · leaves · depth²).
 * Throws {@link ExplanationUnavailableError} when the model has no covers.
 */
export function createTreeShap(model: GbdtModel): Explainer {
  const featureCount = model.featureNames.length;
  const trees: ShapTree[] = [];
  // Single-leaf trees add the same to every row: they belong to the base value and the margin, never to a feature.
  let constant = model.baseScore;
  let baseValue = 0;
  let maxDepth = 0;
  model.trees.forEach((tree, t) => {
    if (!tree.nodeCover || !tree.leafCover) {
      throw new ExplanationUnavailableError(`tree ${t} has no node covers: the model was trained before covers were kept; retrain it to explain it`);
    }
    if (tree.splitFeature.length === 0) {
      constant += tree.leafValue[0] as number;
      return;
    }
    const compiled = compileShapTree(tree, tree.nodeCover, tree.leafCover, t);
    baseValue += expectedValue(compiled);
    maxDepth = Math.max(maxDepth, depthOf(compiled, 0));
    trees.push(compiled);
  });
  baseValue += constant;

  // Path storage for every level of the recursion, as shap lays it out: level d starts after levels 0 … d − 1.
  const levels = maxDepth + 3;
  const size = (levels * (levels + 1)) / 2 + levels;
  const pathFeature = new Int32Array(size);
  const pathZero = new Float64Array(size);
  const pathOne = new Float64Array(size);
  const pathWeight = new Float64Array(size);

  /** Adds an element (feature, fractions) at `depth` of the path at `o`, updating the permutation weights. */
  const extend = (o: number, depth: number, zero: number, one: number, feature: number): void => {
    pathFeature[o + depth] = feature;
    pathZero[o + depth] = zero;
    pathOne[o + depth] = one;
    pathWeight[o + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      pathWeight[o + i + 1]! += (one * (pathWeight[o + i] as number) * (i + 1)) / (depth + 1);
      pathWeight[o + i] = (zero * (pathWeight[o + i] as number) * (depth - i)) / (depth + 1);
    }
  };

  /** Removes element `index` from the path (undoing its extension). */
  const unwind = (o: number, depth: number, index: number): void => {
    const one = pathOne[o + index] as number;
    const zero = pathZero[o + index] as number;
    let nextOnePortion = pathWeight[o + depth] as number;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const previous = pathWeight[o + i] as number;
        pathWeight[o + i] = (nextOnePortion * (depth + 1)) / ((i + 1) * one);
        nextOnePortion = previous - ((pathWeight[o + i] as number) * zero * (depth - i)) / (depth + 1);
      } else {
        pathWeight[o + i] = ((pathWeight[o + i] as number) * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = index; i < depth; i++) {
      pathFeature[o + i] = pathFeature[o + i + 1] as number;
      pathZero[o + i] = pathZero[o + i + 1] as number;
      pathOne[o + i] = pathOne[o + i + 1] as number;
    }
  };

  /** Total permutation weight of the path with element `index` unwound, without changing the path. */
  const unwoundSum = (o: number, depth: number, index: number): number => {
    const one = pathOne[o + index] as number;
    const zero = pathZero[o + index] as number;
    let nextOnePortion = pathWeight[o + depth] as number;
    let total = 0;
    if (one !== 0) {
      for (let i = depth - 1; i >= 0; i--) {
        const portion = nextOnePortion / ((i + 1) * one);
        total += portion;
        nextOnePortion = (pathWeight[o + i] as number) - portion * zero * (depth - i);
      }
    } else {
      for (let i = depth - 1; i >= 0; i--) total += (pathWeight[o + i] as number) / (zero * (depth - i));
    }
    return total * (depth + 1);
  };

  let tree = trees[0] as ShapTree;
  let row: Float32Array = new Float32Array(0);
  let rowStart = 0;
  let phi: Float64Array = new Float64Array(0);
  let phiStart = 0;

  const recurse = (node: number, depth: number, parentOffset: number, zero: number, one: number, feature: number): void => {
    // This level's path starts as a copy of the parent's (its `depth` elements), right after them.
    const o = parentOffset + depth;
    for (let i = 0; i < depth; i++) {
      pathFeature[o + i] = pathFeature[parentOffset + i] as number;
      pathZero[o + i] = pathZero[parentOffset + i] as number;
      pathOne[o + i] = pathOne[parentOffset + i] as number;
      pathWeight[o + i] = pathWeight[parentOffset + i] as number;
    }
    extend(o, depth, zero, one, feature);
    if (node >= tree.internal) {
      const value = tree.value[node] as number;
      for (let i = 1; i <= depth; i++) {
        const weight = unwoundSum(o, depth, i);
        phi[phiStart + (pathFeature[o + i] as number)]! += weight * ((pathOne[o + i] as number) - (pathZero[o + i] as number)) * value;
      }
      return;
    }
    const split = tree.feature[node] as number;
    const hot = goesLeft(tree, node, row[rowStart + split] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
    const cold = hot === tree.left[node] ? (tree.right[node] as number) : (tree.left[node] as number);
    const cover = tree.cover[node] as number;
    let incomingZero = 1;
    let incomingOne = 1;
    // A feature already on the path is unwound and re-entered here, so each feature appears once.
    let index = 0;
    while (index <= depth && pathFeature[o + index] !== split) index++;
    let nextDepth = depth;
    if (index <= depth) {
      incomingZero = pathZero[o + index] as number;
      incomingOne = pathOne[o + index] as number;
      unwind(o, depth, index);
      nextDepth--;
    }
    recurse(hot, nextDepth + 1, o, ((tree.cover[hot] as number) / cover) * incomingZero, incomingOne, split);
    recurse(cold, nextDepth + 1, o, ((tree.cover[cold] as number) / cover) * incomingZero, 0, split);
  };

  return {
    method: 'tree_shap',
    featureNames: model.featureNames,
    baseValue,
    explain(rows: PackedRows): Explanation {
      const { values, rowCount } = rows;
      if (values.length !== rowCount * featureCount) {
        throw new InvalidDatasetError(`${values.length} values are not ${rowCount} rows of ${featureCount} features`);
      }
      const contributions = new Float64Array(rowCount * featureCount);
      const margins = new Float64Array(rowCount);
      row = values;
      phi = contributions;
      for (let r = 0; r < rowCount; r++) {
        rowStart = r * featureCount;
        phiStart = rowStart;
        let margin = constant;
        for (const each of trees) {
          tree = each;
          recurse(0, 0, 0, 1, 1, -1);
          margin += leafValueOf(each, values, rowStart);
        }
        margins[r] = margin;
      }
      return { rowCount, featureCount, baseValue, contributions, margins };
    },
  };
}

function compileShapTree(tree: Tree, nodeCover: Float64Array, leafCover: Float64Array, index: number): ShapTree {
  const internal = tree.splitFeature.length;
  const leaves = tree.leafValue.length;
  if (nodeCover.length !== internal || leafCover.length !== leaves) {
    throw new ExplanationUnavailableError(`tree ${index}: ${nodeCover.length} node and ${leafCover.length} leaf covers for ${internal} nodes and ${leaves} leaves`);
  }
  const cover = new Float64Array(internal + leaves);
  cover.set(nodeCover);
  cover.set(leafCover, internal);
  if (!cover.every((c) => c > 0)) throw new ExplanationUnavailableError(`tree ${index} has a node no training row reached`);
  const value = new Float64Array(internal + leaves);
  value.set(tree.leafValue, internal);
  const child = (c: number) => (c >= 0 ? c : internal + ~c);
  return {
    internal,
    feature: tree.splitFeature,
    threshold: tree.threshold,
    categorySets: tree.categories.map((codes) => (codes ? new Set(codes) : null)),
    defaultLeft: tree.defaultLeft,
    left: Int32Array.from(tree.leftChild, child),
    right: Int32Array.from(tree.rightChild, child),
    cover,
    value,
  };
}

/** The model's test at an internal node (see {@link Tree}): `x` is already a float32 value. */
function goesLeft(tree: ShapTree, node: number, x: number): boolean {
  if (Number.isNaN(x)) return tree.defaultLeft[node] === 1;
  const set = tree.categorySets[node];
  return set ? set.has(x) : x <= (tree.threshold[node] as number);
}

function leafValueOf(tree: ShapTree, values: Float32Array, rowStart: number): number {
  let node = 0;
  while (node < tree.internal) {
    node = goesLeft(tree, node, values[rowStart + (tree.feature[node] as number)] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
  }
  return tree.value[node] as number;
}

/** Cover-weighted mean of the leaf values: the tree's expected output over its training rows. */
function expectedValue(tree: ShapTree): number {
  let sum = 0;
  for (let node = tree.internal; node < tree.cover.length; node++) sum += (tree.value[node] as number) * (tree.cover[node] as number);
  return sum / (tree.cover[0] as number);
}

/** Internal nodes on the longest root-to-leaf path. */
function depthOf(tree: ShapTree, node: number): number {
  if (node >= tree.internal) return 0;
  return 1 + Math.max(depthOf(tree, tree.left[node] as number), depthOf(tree, tree.right[node] as number));
}
