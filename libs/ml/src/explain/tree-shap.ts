import { ExplanationUnavailableError } from '../errors.js';
import type { GbdtModel } from '../gbdt/gbdt-model.js';
import type { Tree } from '../gbdt/tree.js';
import type { PackedRows } from '../onnx/onnx-predictor.js';
import { assertRowWidth, type Explainer, type Explanation } from './explanation.js';
import { gaussLegendre, type QuadratureRule } from './gauss-legendre.js';

/** One tree in one index space: internal nodes first (`0 … internal − 1`), then leaf `l` at `internal + l`. */
interface ShapTree {
  readonly internal: number;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** Sorted codes that go left at a categorical split, null at a numeric one. */
  readonly categories: readonly (Float64Array | null)[];
  readonly defaultLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Training rows per node, leaves included. */
  readonly cover: Float64Array;
  /** Leaf values at leaf indices (0 at internal nodes). */
  readonly value: Float64Array;
  /** Internal nodes on the longest root-to-leaf path. */
  readonly depth: number;
  /** Most distinct features on one root-to-leaf path: the degree of the path polynomials is one less. */
  readonly pathFeatures: number;
}

/** Rows explained together through each tree. */
const BLOCK_ROWS = 64;

/** A Gauss–Legendre rule with the products the cold edges use. */
interface TreeRule extends QuadratureRule {
  readonly oneMinusNodes: Float64Array;
  /** −weight / (1 − node): a cold edge's credit weights. */
  readonly coldCredit: Float64Array;
}

/**
 * Exact path-dependent TreeSHAP for a {@link GbdtModel}: the Shapley values
 * of `v(S) = E[f(x) | x_S]` where the expectation follows the training covers
 * down every branch a feature outside S leaves open (Lundberg, Erion, Lee
 * 2018) — the same values as `shap.TreeExplainer` with
 * `feature_perturbation="tree_path_dependent"`. Contributions are in margin
 * (log-odds) space; the base value is the cover-weighted mean margin.
 *
 * Computed as Linear TreeSHAP does (Yu et al. 2022), in O(nodes · depth) per
 * tree instead of Algorithm 2's O(leaves · depth²): a leaf of value v whose
 * path has, per distinct feature j, the zero fraction zⱼ (product of cover
 * ratios of its splits) and one fraction oⱼ (1 when the row takes all of
 * them), credits feature i with `v (oᵢ − zᵢ) ∫₀¹ Πⱼ≠ᵢ (zⱼ + (oⱼ − zⱼ) t) dt`
 * — the Shapley weights |S|!(n−|S|−1)!/n! are Beta integrals. The integrand
 * is a polynomial of degree < the path's distinct features, so a
 * Gauss–Legendre rule of half as many points is exact; the products P(t) go
 * down the tree and the sums Σ v·P(t) come back up, each feature credited
 * at the edge that set its factor (less the subtrees that split it again).
 *
 * A row takes at every node the branch the model takes: float32 comparison
 * `x <= threshold`, category-set membership, and the learned default
 * direction for a missing value. Throws {@link ExplanationUnavailableError}
 * when the model has no covers.
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
    maxDepth = Math.max(maxDepth, compiled.depth);
    trees.push(compiled);
  });
  baseValue += constant;

  // One quadrature rule per number of points in use (see the module comment), with what the cold edges multiply by.
  const rules = new Map<number, TreeRule>();
  const treeRules = trees.map((tree) => {
    const points = Math.max(1, Math.ceil(tree.pathFeatures / 2));
    let rule = rules.get(points);
    if (!rule) {
      const { nodes, weights } = gaussLegendre(points);
      const oneMinusNodes = nodes.map((t) => 1 - t);
      rule = { nodes, weights, oneMinusNodes, coldCredit: weights.map((w, q) => -w / (oneMinusNodes[q] as number)) };
      rules.set(points, rule);
    }
    return rule;
  });
  const width = Math.max(1, ...treeRules.map((rule) => rule.nodes.length));
  const levels = maxDepth + 2;
  // Rows go through each tree in blocks: the walk, the zero fractions and the bookkeeping are the rows' common part.
  const stride = BLOCK_ROWS * width;
  // Per level of the recursion and row of the block, `width` values each: the path product P(t) at the quadrature nodes,
  // the subtree sums Σ v·P(t) a node returns, and what the edge into that level must leave out (subtrees that split its
  // feature again).
  const product = new Float64Array(levels * stride).fill(1);
  const sums = new Float64Array(levels * stride);
  const excluded = new Float64Array(levels * stride);
  /** Whether `excluded` at a level holds anything yet for the edge being explored (it is not cleared otherwise). */
  const hasExcluded = new Uint8Array(levels);
  // Per feature, while it is on the path: its zero fraction (product over its splits, the same for every row), the level
  // it was last set at, and per row its one fraction.
  const featureZero = new Float64Array(featureCount);
  const featureLevel = new Int32Array(featureCount).fill(-1);
  const featureOne = new Float64Array(featureCount * BLOCK_ROWS);
  // Per level and row: whether the row goes left at that level's node, and its feature's one fraction before it.
  const goLeft = new Uint8Array(levels * BLOCK_ROWS);
  const savedOne = new Float64Array(levels * BLOCK_ROWS);

  let tree = trees[0] as ShapTree;
  let nodes: Float64Array = new Float64Array(0);
  let weights: Float64Array = new Float64Array(0);
  let oneMinusNodes: Float64Array = new Float64Array(0);
  let coldCredit: Float64Array = new Float64Array(0);
  // Per-edge scratch: the factors rows multiply their products by, and the hot rows' credit weights.
  const hotFactor = new Float64Array(width);
  const coldFactor = new Float64Array(width);
  const hotCredit = new Float64Array(width);
  let points = 0;
  let values: Float32Array = new Float32Array(0);
  let firstRow = 0;
  let blockRows = 0;
  let phi: Float64Array = new Float64Array(0);

  /** Writes into `sums` at `level` the sums over the leaves below internal `node` of value · P(t), crediting features on the way up. */
  const visit = (node: number, level: number): void => {
    const at = level * stride;
    const next = at + stride;
    const split = tree.feature[node] as number;
    const cover = tree.cover[node] as number;
    const previousZero = featureZero[split] as number;
    const previousLevel = featureLevel[split] as number;
    const seen = previousLevel >= 0;
    for (let b = 0; b < blockRows; b++) {
      goLeft[level * BLOCK_ROWS + b] = goesLeft(tree, node, values[(firstRow + b) * featureCount + split] as number) ? 1 : 0;
      savedOne[level * BLOCK_ROWS + b] = featureOne[split * BLOCK_ROWS + b] as number;
    }
    sums.fill(0, at, at + blockRows * width);
    for (let side = 0; side < 2; side++) {
      const child = side === 0 ? (tree.left[node] as number) : (tree.right[node] as number);
      // A feature split again on the path has one factor: the product of its fractions.
      const zero = (seen ? previousZero : 1) * ((tree.cover[child] as number) / cover);
      // What a row's P(t) is multiplied by, the same for every row of a kind: new factor ÷ the feature's old one (1 if none).
      // A row whose old one fraction is 0 keeps it 0, and zero·(1 − t) ÷ previousZero·(1 − t) is a number.
      for (let q = 0; q < points; q++) {
        const t = nodes[q] as number;
        const previousHot = seen ? previousZero + (1 - previousZero) * t : 1;
        hotFactor[q] = (zero + (1 - zero) * t) / previousHot;
        coldFactor[q] = (zero * (oneMinusNodes[q] as number)) / previousHot;
      }
      const keptCold = seen ? zero / previousZero : 0;
      for (let b = 0; b < blockRows; b++) {
        const taken = goLeft[level * BLOCK_ROWS + b] === 1 - side;
        const wasOne = !seen || savedOne[level * BLOCK_ROWS + b] === 1;
        featureOne[split * BLOCK_ROWS + b] = taken && wasOne ? 1 : 0;
        const from = at + b * width;
        const to = next + b * width;
        if (!wasOne) for (let q = 0; q < points; q++) product[to + q] = (product[from + q] as number) * keptCold;
        else if (taken) for (let q = 0; q < points; q++) product[to + q] = (product[from + q] as number) * (hotFactor[q] as number);
        else for (let q = 0; q < points; q++) product[to + q] = (product[from + q] as number) * (coldFactor[q] as number);
      }
      const internal = child < tree.internal;
      if (internal) {
        featureZero[split] = zero;
        featureLevel[split] = level + 1;
        hasExcluded[level + 1] = 0;
        visit(child, level + 1);
      } else {
        // A leaf below: no call, nothing below splits the feature again.
        const value = tree.value[child] as number;
        for (let i = next; i < next + blockRows * width; i++) sums[i] = value * (product[i] as number);
      }
      const excluding = internal && hasExcluded[level + 1] === 1;
      // The feature's Shapley value from the leaves below: (one − zero) ∫ P(t) / factor(t) dt, as weights per node.
      for (let q = 0; q < points; q++) hotCredit[q] = ((1 - zero) * (weights[q] as number)) / (zero + (1 - zero) * (nodes[q] as number));
      for (let b = 0; b < blockRows; b++) {
        const from = next + b * width;
        const to = at + b * width;
        // The leaves below whose path ends with this factor: the subtrees that split the feature again are left out here.
        if (excluding) for (let q = 0; q < points; q++) sums[from + q]! -= excluded[from + q] as number;
        // The row's one fraction for this edge, as set above (the recursion has since used the scratch of deeper levels);
        // with one = 0, factor(t) = zero · (1 − t) and the zero cancels against (one − zero) = −zero.
        const hot = goLeft[level * BLOCK_ROWS + b] === 1 - side && (!seen || savedOne[level * BLOCK_ROWS + b] === 1);
        const creditWeights = hot ? hotCredit : coldCredit;
        let credit = 0;
        for (let q = 0; q < points; q++) credit += (creditWeights[q] as number) * (sums[from + q] as number);
        phi[(firstRow + b) * featureCount + split]! += credit;
        for (let q = 0; q < points; q++) sums[to + q]! += (sums[from + q] as number) + (excluding ? (excluded[from + q] as number) : 0);
      }
    }
    featureZero[split] = previousZero;
    featureLevel[split] = previousLevel;
    for (let b = 0; b < blockRows; b++) featureOne[split * BLOCK_ROWS + b] = savedOne[level * BLOCK_ROWS + b] as number;
    // Below here the feature has a new factor: the edge that set the old one must not credit these leaves again.
    if (seen) {
      const into = previousLevel * stride;
      if (hasExcluded[previousLevel] === 1) for (let i = 0; i < blockRows * width; i++) excluded[into + i]! += sums[at + i] as number;
      else excluded.set(sums.subarray(at, at + blockRows * width), into);
      hasExcluded[previousLevel] = 1;
    }
  };

  return {
    method: 'tree_shap',
    featureNames: model.featureNames,
    baseValue,
    explain(rows: PackedRows): Explanation {
      assertRowWidth(rows, featureCount);
      const { rowCount } = rows;
      const contributions = new Float64Array(rowCount * featureCount);
      const margins = new Float64Array(rowCount).fill(constant);
      values = rows.values;
      phi = contributions;
      for (firstRow = 0; firstRow < rowCount; firstRow += BLOCK_ROWS) {
        blockRows = Math.min(BLOCK_ROWS, rowCount - firstRow);
        trees.forEach((each, t) => {
          tree = each;
          ({ nodes, weights, oneMinusNodes, coldCredit } = treeRules[t] as TreeRule);
          points = nodes.length;
          // Rows of the block share positions `width` apart; a tree with fewer points leaves the rest unused.
          visit(0, 0);
          for (let b = 0; b < blockRows; b++) margins[firstRow + b]! += leafValueOf(each, values, (firstRow + b) * featureCount);
        });
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
  const left = Int32Array.from(tree.leftChild, child);
  const right = Int32Array.from(tree.rightChild, child);
  const depthOf = (node: number): number => (node >= internal ? 0 : 1 + Math.max(depthOf(left[node] as number), depthOf(right[node] as number)));
  const onPath = new Set<number>();
  const pathFeaturesOf = (node: number): number => {
    if (node >= internal) return onPath.size;
    const feature = tree.splitFeature[node] as number;
    const added = !onPath.has(feature);
    onPath.add(feature);
    const most = Math.max(pathFeaturesOf(left[node] as number), pathFeaturesOf(right[node] as number));
    if (added) onPath.delete(feature);
    return most;
  };
  return {
    internal,
    feature: tree.splitFeature,
    threshold: tree.threshold,
    categories: tree.categories.map((codes) => (codes ? Float64Array.from(codes).sort() : null)),
    defaultLeft: tree.defaultLeft,
    left,
    right,
    cover,
    value,
    depth: depthOf(0),
    pathFeatures: pathFeaturesOf(0),
  };
}

/** The model's test at an internal node (see {@link Tree}): `x` is already a float32 value. */
function goesLeft(tree: ShapTree, node: number, x: number): boolean {
  if (Number.isNaN(x)) return tree.defaultLeft[node] === 1;
  const codes = tree.categories[node];
  if (!codes) return x <= (tree.threshold[node] as number);
  // Binary search: a Set of numbers would box every looked-up float.
  let low = 0;
  let high = codes.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const code = codes[middle] as number;
    if (code === x) return true;
    if (code < x) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** The value of the leaf the row at `start` reaches: its share of the margin. */
function leafValueOf(tree: ShapTree, values: Float32Array, start: number): number {
  let node = 0;
  while (node < tree.internal) node = goesLeft(tree, node, values[start + (tree.feature[node] as number)] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
  return tree.value[node] as number;
}

/** Cover-weighted mean of the leaf values: the tree's expected output over its training rows. */
function expectedValue(tree: ShapTree): number {
  let sum = 0;
  for (let node = tree.internal; node < tree.cover.length; node++) sum += (tree.value[node] as number) * (tree.cover[node] as number);
  return sum / (tree.cover[0] as number);
}
