import { ExplanationUnavailableError } from '../errors.js';
import type { GbdtModel } from '../gbdt/gbdt-model.js';
import type { Tree } from '../gbdt/tree.js';
import type { PackedRows } from '../onnx/onnx-predictor.js';
import { assertRowWidth, type Explainer, type Explanation } from './explanation.js';
import { gaussLegendre, type QuadratureRule } from './gauss-legendre.js';

/** Rows explained together through each tree: their inputs and contributions stay in cache while the trees' tables stream by. */
const BLOCK_ROWS = 64;
/** Internal nodes beyond which a tree is never tabulated whole: its table would hold 2^nodes rows. */
const MAX_TABULATED_NODES = 12;
/** Distinct path features beyond which a leaf's credits are never tabulated: its table would hold 2^k rows of k credits. */
const MAX_TABULATED_FEATURES = 12;
/** Table entries per explainer by default (8 bytes each, 16 MiB); trees past it are explained leaf by leaf, leaves past it integrated per row. */
const DEFAULT_TABLE_BUDGET = 1 << 21;

/** Options of {@link createTreeShap}. */
export interface TreeShapOptions {
  /** Table entries the explainer may keep (8 bytes each); 0 integrates every leaf's credits per row. */
  readonly tableBudget?: number;
}

/**
 * The ensemble's trees in one set of flat arrays. Internal nodes of all trees
 * are numbered together (tree t's are `nodeStart[t] … nodeStart[t + 1] − 1`),
 * and so are leaves, their root-to-leaf steps and their distinct path
 * features ("slots").
 */
interface Forest {
  readonly treeCount: number;
  readonly nodeStart: Int32Array;
  readonly leafStart: Int32Array;
  /** Tree t's distinct features are `treeFeature[treeFeatureStart[t] … treeFeatureStart[t + 1] − 1]`. */
  readonly treeFeatureStart: Int32Array;
  readonly treeFeature: Int32Array;
  /**
   * Where tree t's row for the tests' outcome d (bit n: whether the row goes left at its node n) starts,
   * `treeTableStart[t] + d · (m + 1)` for its m features: their credits, then the value of the leaf reached; −1 when
   * the tree is explained leaf by leaf.
   */
  readonly treeTableStart: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly defaultLeft: Uint8Array;
  /** A categorical node's sorted codes that go left are `codes[categoryStart … categoryEnd − 1]`; categoryStart is −1 at a numeric node. */
  readonly categoryStart: Int32Array;
  readonly categoryEnd: Int32Array;
  readonly codes: Float64Array;
  readonly leafValue: Float64Array;
  /** Leaf l's steps are `stepStart[l] … stepStart[l + 1] − 1`: the node (numbered within its tree), the side, its slot. */
  readonly stepStart: Int32Array;
  readonly stepNode: Int32Array;
  readonly stepLeft: Uint8Array;
  readonly stepSlot: Int32Array;
  /** Leaf l's slots are `slotStart[l] … slotStart[l + 1] − 1`: the feature and its zero fraction (product of its splits' cover ratios). */
  readonly slotStart: Int32Array;
  readonly slotFeature: Int32Array;
  readonly slotZero: Float64Array;
  /** Where leaf l's credits for hot-slot pattern p start, `leafTableStart[l] + p · k`; −1 when computed per row. */
  readonly leafTableStart: Int32Array;
  /** The trees' and the leaves' tables. */
  readonly table: Float64Array;
  /** Gauss–Legendre rules by number of points. */
  readonly rules: readonly QuadratureRule[];
  readonly mostNodes: number;
  readonly mostSlots: number;
}

/**
 * Exact path-dependent TreeSHAP for a {@link GbdtModel}: the Shapley values
 * of `v(S) = E[f(x) | x_S]` where the expectation follows the training covers
 * down every branch a feature outside S leaves open (Lundberg, Erion, Lee
 * 2018) — the same values as `shap.TreeExplainer` with
 * `feature_perturbation="tree_path_dependent"`. Contributions are in margin
 * (log-odds) space; the base value is the cover-weighted mean margin.
 *
 * As Linear TreeSHAP writes it (Yu et al. 2022), a leaf of value v whose
 * path has, per distinct feature j, the zero fraction zⱼ (product of cover
 * ratios of its splits) and one fraction oⱼ (1 when the row takes all of
 * them, 0 otherwise), credits feature i with
 * `v (oᵢ − zᵢ) ∫₀¹ Πⱼ≠ᵢ (zⱼ + (oⱼ − zⱼ) t) dt` — the Shapley weights
 * |S|!(n−|S|−1)!/n! are Beta integrals. The integrand is a polynomial of
 * degree < k, the leaf's distinct path features, so a Gauss–Legendre rule
 * of ⌈k/2⌉ points is exact. A row changes only which of the k features are
 * hot (oⱼ = 1), so as FastTreeSHAP v2 does (Yang 2021) each leaf's credits
 * are computed once per pattern of hot features, 2^k of them, when the
 * explainer is made. Going further, a tree of few internal nodes is
 * tabulated whole, by the outcome of its tests (2^nodes rows of credits to
 * its features): a row then costs its tests and one table row per tree.
 * Trees too big for that (or past the table budget) look up each leaf's
 * table; leaves of long paths, or past the budget, are integrated per row.
 *
 * A row takes at every node the branch the model takes: float32 comparison
 * `x <= threshold`, category-set membership, and the learned default
 * direction for a missing value. Throws {@link ExplanationUnavailableError}
 * when the model has no covers.
 */
export function createTreeShap(model: GbdtModel, options: TreeShapOptions = {}): Explainer {
  const featureCount = model.featureNames.length;
  const split: Tree[] = [];
  // Single-leaf trees add the same to every row: they belong to the base value and the margin, never to a feature.
  let constant = model.baseScore;
  let baseValue = 0;
  model.trees.forEach((tree, t) => {
    if (!tree.nodeCover || !tree.leafCover) {
      throw new ExplanationUnavailableError(`tree ${t} has no node covers: the model was trained before covers were kept; retrain it to explain it`);
    }
    if (tree.splitFeature.length === 0) {
      constant += tree.leafValue[0] as number;
      return;
    }
    checkCovers(tree, tree.nodeCover, tree.leafCover, t);
    baseValue += expectedValue(tree, tree.nodeCover, tree.leafCover);
    split.push(tree);
  });
  baseValue += constant;
  const forest = buildForest(split, options.tableBudget ?? DEFAULT_TABLE_BUDGET);
  // Rewritten before it is read on every use, so one explainer's calls share it.
  const scratch: RowScratch = { wentLeft: new Uint8Array(forest.mostNodes), hot: new Uint8Array(forest.mostSlots), credits: new Float64Array(forest.mostSlots) };

  return {
    method: 'tree_shap',
    featureNames: model.featureNames,
    baseValue,
    explain(rows: PackedRows): Explanation {
      assertRowWidth(rows, featureCount);
      const { rowCount, values } = rows;
      const contributions = new Float64Array(rowCount * featureCount);
      const margins = new Float64Array(rowCount).fill(constant);
      for (let first = 0; first < rowCount; first += BLOCK_ROWS) {
        const end = Math.min(rowCount, first + BLOCK_ROWS);
        for (let t = 0; t < forest.treeCount; t++) {
          if ((forest.treeTableStart[t] as number) >= 0) {
            for (let row = first; row < end; row++) margins[row]! += addTreeCredits(forest, t, values, row * featureCount, contributions);
          } else {
            for (let row = first; row < end; row++) margins[row]! += addLeafCredits(forest, t, values, row * featureCount, contributions, scratch);
          }
        }
      }
      return { rowCount, featureCount, baseValue, contributions, margins };
    },
  };
}

/** Buffers for the trees explained leaf by leaf. */
interface RowScratch {
  /** One tree's tests, by node within the tree. */
  readonly wentLeft: Uint8Array;
  /** One leaf's hot slots and credits, when integrated per row. */
  readonly hot: Uint8Array;
  readonly credits: Float64Array;
}

/** Adds tree `t`'s credits to the row at `rowStart` from the tree's table; returns the value of the leaf the row reaches. */
function addTreeCredits(forest: Forest, t: number, values: Float32Array, rowStart: number, contributions: Float64Array): number {
  const firstNode = forest.nodeStart[t] as number;
  const endNode = forest.nodeStart[t + 1] as number;
  let outcome = 0;
  for (let node = firstNode; node < endNode; node++) outcome |= goesLeft(forest, node, values[rowStart + (forest.feature[node] as number)] as number) << (node - firstNode);
  const firstFeature = forest.treeFeatureStart[t] as number;
  const features = (forest.treeFeatureStart[t + 1] as number) - firstFeature;
  const from = (forest.treeTableStart[t] as number) + outcome * (features + 1);
  for (let f = 0; f < features; f++) contributions[rowStart + (forest.treeFeature[firstFeature + f] as number)]! += forest.table[from + f] as number;
  return forest.table[from + features] as number;
}

/** Adds tree `t`'s credits to the row at `rowStart` leaf by leaf, tabulated or integrated; returns the value of the leaf the row reaches. */
function addLeafCredits(forest: Forest, t: number, values: Float32Array, rowStart: number, contributions: Float64Array, scratch: RowScratch): number {
  const { wentLeft, hot, credits } = scratch;
  const firstNode = forest.nodeStart[t] as number;
  const endNode = forest.nodeStart[t + 1] as number;
  for (let node = firstNode; node < endNode; node++) wentLeft[node - firstNode] = goesLeft(forest, node, values[rowStart + (forest.feature[node] as number)] as number);
  let reachedValue = 0;
  const endLeaf = forest.leafStart[t + 1] as number;
  for (let leaf = forest.leafStart[t] as number; leaf < endLeaf; leaf++) {
    const firstSlot = forest.slotStart[leaf] as number;
    const slots = (forest.slotStart[leaf + 1] as number) - firstSlot;
    const tableStart = forest.leafTableStart[leaf] as number;
    let reached: boolean;
    if (tableStart >= 0) {
      const pattern = hotPattern(forest, leaf, wentLeft, slots);
      const from = tableStart + pattern * slots;
      for (let s = 0; s < slots; s++) contributions[rowStart + (forest.slotFeature[firstSlot + s] as number)]! += forest.table[from + s] as number;
      reached = pattern === (1 << slots) - 1;
    } else {
      reached = markHotSlots(forest, leaf, wentLeft, hot);
      leafCredits(forest, leaf, hot, credits);
      for (let s = 0; s < slots; s++) contributions[rowStart + (forest.slotFeature[firstSlot + s] as number)]! += credits[s] as number;
    }
    // The leaf whose every feature is hot is the one the row reaches.
    if (reached) reachedValue = forest.leafValue[leaf] as number;
  }
  return reachedValue;
}

/** The tree's test at (forest-wide) internal `node`, as a 0/1: `x` is already a float32 value. */
function goesLeft(forest: Forest, node: number, x: number): number {
  if (Number.isNaN(x)) return forest.defaultLeft[node] as number;
  const first = forest.categoryStart[node] as number;
  if (first < 0) return x <= (forest.threshold[node] as number) ? 1 : 0;
  // Binary search: a Set of numbers would box every looked-up float.
  let low = first;
  let high = (forest.categoryEnd[node] as number) - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const code = forest.codes[middle] as number;
    if (code === x) return 1;
    if (code < x) low = middle + 1;
    else high = middle - 1;
  }
  return 0;
}

/** The leaf's hot slots as bits (slot s at bit s): a slot is hot when the row takes every step of the path on that feature. */
function hotPattern(forest: Forest, leaf: number, wentLeft: Uint8Array, slots: number): number {
  let pattern = (1 << slots) - 1;
  const end = forest.stepStart[leaf + 1] as number;
  for (let step = forest.stepStart[leaf] as number; step < end; step++) {
    if (wentLeft[forest.stepNode[step] as number] !== forest.stepLeft[step]) pattern &= ~(1 << (forest.stepSlot[step] as number));
  }
  return pattern;
}

/** {@link hotPattern} as one flag per slot, for a leaf of any length; returns whether every slot is hot. */
function markHotSlots(forest: Forest, leaf: number, wentLeft: Uint8Array, hot: Uint8Array): boolean {
  hot.fill(1, 0, (forest.slotStart[leaf + 1] as number) - (forest.slotStart[leaf] as number));
  let reached = true;
  const end = forest.stepStart[leaf + 1] as number;
  for (let step = forest.stepStart[leaf] as number; step < end; step++) {
    if (wentLeft[forest.stepNode[step] as number] !== forest.stepLeft[step]) {
      hot[forest.stepSlot[step] as number] = 0;
      reached = false;
    }
  }
  return reached;
}

/**
 * Writes into `credits[0 … k − 1]` the leaf's Shapley credits to its k slots when the slots flagged in `hot` are hot:
 * `v (oᵢ − zᵢ) Σ_q w_q Π_j f_j(t_q) / f_i(t_q)` with `f_j(t) = zⱼ + (oⱼ − zⱼ) t`, never 0 as covers are positive.
 */
function leafCredits(forest: Forest, leaf: number, hot: Uint8Array, credits: Float64Array): void {
  const firstSlot = forest.slotStart[leaf] as number;
  const slots = (forest.slotStart[leaf + 1] as number) - firstSlot;
  const { nodes, weights } = forest.rules[Math.ceil(slots / 2)] as QuadratureRule;
  const factor = (s: number, t: number): number => {
    const zero = forest.slotZero[firstSlot + s] as number;
    return hot[s] === 1 ? zero + (1 - zero) * t : zero * (1 - t);
  };
  credits.fill(0, 0, slots);
  for (let q = 0; q < nodes.length; q++) {
    const t = nodes[q] as number;
    let product = 1;
    for (let s = 0; s < slots; s++) product *= factor(s, t);
    for (let s = 0; s < slots; s++) credits[s]! += ((weights[q] as number) * product) / factor(s, t);
  }
  const value = forest.leafValue[leaf] as number;
  for (let s = 0; s < slots; s++) credits[s]! *= value * ((hot[s] as number) - (forest.slotZero[firstSlot + s] as number));
}

/** Lays the trees out in one {@link Forest}, with the tables that fit `tableBudget` entries (see {@link tabulate}). */
function buildForest(trees: readonly Tree[], tableBudget: number): Forest {
  const nodeStart = [0];
  const leafStart = [0];
  const treeFeatureStart = [0];
  const treeFeature: number[] = [];
  const feature: number[] = [];
  const threshold: number[] = [];
  const defaultLeft: number[] = [];
  const categoryStart: number[] = [];
  const categoryEnd: number[] = [];
  const codes: number[] = [];
  const leaves: LeafLists = { value: [], stepStart: [0], stepNode: [], stepLeft: [], stepSlot: [], slotStart: [0], slotFeature: [], slotZero: [] };
  let mostNodes = 0;
  for (const tree of trees) {
    const internal = tree.splitFeature.length;
    mostNodes = Math.max(mostNodes, internal);
    for (let node = 0; node < internal; node++) {
      feature.push(tree.splitFeature[node] as number);
      threshold.push(tree.threshold[node] as number);
      defaultLeft.push(tree.defaultLeft[node] as number);
      const set = tree.categories[node];
      categoryStart.push(set ? codes.length : -1);
      if (set) codes.push(...Float64Array.from(set).sort());
      categoryEnd.push(codes.length);
    }
    appendLeaves(tree, leaves);
    nodeStart.push(feature.length);
    leafStart.push(leaves.value.length);
    treeFeature.push(...new Set(tree.splitFeature));
    treeFeatureStart.push(treeFeature.length);
  }
  let mostSlots = 0;
  for (let leaf = 0; leaf < leaves.value.length; leaf++) mostSlots = Math.max(mostSlots, (leaves.slotStart[leaf + 1] as number) - (leaves.slotStart[leaf] as number));
  const rules = Array.from({ length: Math.ceil(mostSlots / 2) + 1 }, (_, points) => gaussLegendre(points));
  const forest: Forest = {
    treeCount: trees.length,
    nodeStart: Int32Array.from(nodeStart),
    leafStart: Int32Array.from(leafStart),
    treeFeatureStart: Int32Array.from(treeFeatureStart),
    treeFeature: Int32Array.from(treeFeature),
    treeTableStart: new Int32Array(trees.length).fill(-1),
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    defaultLeft: Uint8Array.from(defaultLeft),
    categoryStart: Int32Array.from(categoryStart),
    categoryEnd: Int32Array.from(categoryEnd),
    codes: Float64Array.from(codes),
    leafValue: Float64Array.from(leaves.value),
    stepStart: Int32Array.from(leaves.stepStart),
    stepNode: Int32Array.from(leaves.stepNode),
    stepLeft: Uint8Array.from(leaves.stepLeft),
    stepSlot: Int32Array.from(leaves.stepSlot),
    slotStart: Int32Array.from(leaves.slotStart),
    slotFeature: Int32Array.from(leaves.slotFeature),
    slotZero: Float64Array.from(leaves.slotZero),
    leafTableStart: new Int32Array(leaves.value.length).fill(-1),
    table: new Float64Array(0),
    rules,
    mostNodes,
    mostSlots,
  };
  return { ...forest, ...tabulate(forest, tableBudget) };
}

/**
 * The tables, within `budget` entries: whole trees first (a row then costs one table row per tree), then the leaves of
 * the trees too big for that; smallest first, so that the budget covers as many as it can.
 */
function tabulate(forest: Forest, budget: number): Pick<Forest, 'treeTableStart' | 'leafTableStart' | 'table'> {
  let size = 0;
  const reserve = (entries: number): number => {
    if (size + entries > budget) return -1;
    size += entries;
    return size - entries;
  };
  const treeTableSizes = Array.from({ length: forest.treeCount }, (_, t) => {
    const nodes = (forest.nodeStart[t + 1] as number) - (forest.nodeStart[t] as number);
    const features = (forest.treeFeatureStart[t + 1] as number) - (forest.treeFeatureStart[t] as number);
    return nodes > MAX_TABULATED_NODES ? Number.POSITIVE_INFINITY : 2 ** nodes * (features + 1);
  });
  const treeTableStart = new Int32Array(forest.treeCount).fill(-1);
  for (const t of ascending(treeTableSizes)) treeTableStart[t] = reserve(treeTableSizes[t] as number);
  const leafTableSizes = Array.from({ length: forest.leafValue.length }, () => Number.POSITIVE_INFINITY);
  for (let t = 0; t < forest.treeCount; t++) {
    if ((treeTableStart[t] as number) >= 0) continue;
    for (let leaf = forest.leafStart[t] as number; leaf < (forest.leafStart[t + 1] as number); leaf++) {
      const slots = (forest.slotStart[leaf + 1] as number) - (forest.slotStart[leaf] as number);
      if (slots <= MAX_TABULATED_FEATURES) leafTableSizes[leaf] = 2 ** slots * slots;
    }
  }
  const leafTableStart = new Int32Array(forest.leafValue.length).fill(-1);
  for (const leaf of ascending(leafTableSizes)) leafTableStart[leaf] = reserve(leafTableSizes[leaf] as number);
  const table = new Float64Array(size);
  const scratch = tableScratch(forest, treeTableStart);
  for (let t = 0; t < forest.treeCount; t++) if ((treeTableStart[t] as number) >= 0) fillTreeTable(forest, t, table, treeTableStart[t] as number, scratch);
  for (let leaf = 0; leaf < leafTableStart.length; leaf++) if ((leafTableStart[leaf] as number) >= 0) fillLeafTable(forest, leaf, table, leafTableStart[leaf] as number, scratch);
  return { treeTableStart, leafTableStart, table };
}

/** The indices of the finite sizes, smallest first. */
function ascending(sizes: readonly number[]): number[] {
  return sizes
    .map((_, index) => index)
    .filter((index) => Number.isFinite(sizes[index]))
    .sort((a, b) => (sizes[a] as number) - (sizes[b] as number));
}

/** Buffers the tables are filled with: allocated once, as a typed array is costly to allocate per leaf. */
interface TableScratch extends RowScratch {
  /** One leaf's table, for a tree tabulated whole. */
  readonly leafTable: Float64Array;
}

function tableScratch(forest: Forest, treeTableStart: Int32Array): TableScratch {
  let slotsInWholeTrees = 0;
  for (let t = 0; t < forest.treeCount; t++) {
    if ((treeTableStart[t] as number) < 0) continue;
    for (let leaf = forest.leafStart[t] as number; leaf < (forest.leafStart[t + 1] as number); leaf++) {
      slotsInWholeTrees = Math.max(slotsInWholeTrees, (forest.slotStart[leaf + 1] as number) - (forest.slotStart[leaf] as number));
    }
  }
  return {
    wentLeft: new Uint8Array(forest.mostNodes),
    hot: new Uint8Array(forest.mostSlots),
    credits: new Float64Array(forest.mostSlots),
    leafTable: new Float64Array(2 ** slotsInWholeTrees * slotsInWholeTrees),
  };
}

/** Tree t's credits to its features and its reached leaf's value, for every outcome of its tests, from its leaves' tables. */
function fillTreeTable(forest: Forest, t: number, table: Float64Array, start: number, scratch: TableScratch): void {
  const nodes = (forest.nodeStart[t + 1] as number) - (forest.nodeStart[t] as number);
  const features = Array.from(forest.treeFeature.subarray(forest.treeFeatureStart[t], forest.treeFeatureStart[t + 1]));
  const { wentLeft, leafTable } = scratch;
  for (let leaf = forest.leafStart[t] as number; leaf < (forest.leafStart[t + 1] as number); leaf++) {
    const firstSlot = forest.slotStart[leaf] as number;
    const slots = (forest.slotStart[leaf + 1] as number) - firstSlot;
    fillLeafTable(forest, leaf, leafTable, 0, scratch);
    const columns = Array.from(forest.slotFeature.subarray(firstSlot, firstSlot + slots), (feature) => features.indexOf(feature));
    for (let outcome = 0; outcome < 2 ** nodes; outcome++) {
      for (let node = 0; node < nodes; node++) wentLeft[node] = (outcome >> node) & 1;
      const row = start + outcome * (features.length + 1);
      const pattern = hotPattern(forest, leaf, wentLeft, slots);
      for (let s = 0; s < slots; s++) table[row + (columns[s] as number)]! += leafTable[pattern * slots + s] as number;
      if (pattern === (1 << slots) - 1) table[row + features.length] = forest.leafValue[leaf] as number;
    }
  }
}

/** The leaf's credits to its slots for each of its 2^k hot patterns. */
function fillLeafTable(forest: Forest, leaf: number, table: Float64Array, start: number, { hot, credits }: TableScratch): void {
  const slots = (forest.slotStart[leaf + 1] as number) - (forest.slotStart[leaf] as number);
  for (let pattern = 0; pattern < 2 ** slots; pattern++) {
    for (let s = 0; s < slots; s++) hot[s] = (pattern >> s) & 1;
    leafCredits(forest, leaf, hot, credits);
    for (let s = 0; s < slots; s++) table[start + pattern * slots + s] = credits[s] as number;
  }
}

/** The {@link Forest}'s leaf arrays while they are built. */
interface LeafLists {
  readonly value: number[];
  readonly stepStart: number[];
  readonly stepNode: number[];
  readonly stepLeft: number[];
  readonly stepSlot: number[];
  readonly slotStart: number[];
  readonly slotFeature: number[];
  readonly slotZero: number[];
}

/**
 * Appends the tree's leaves in depth-first order (leaves are found through their tree's range, never by their index in
 * it): each one's steps from the root and its slots. A feature split again on the path keeps its slot, whose zero
 * fraction is the product of its cover ratios.
 */
function appendLeaves(tree: Tree, leaves: LeafLists): void {
  const nodeCover = tree.nodeCover as Float64Array;
  const leafCover = tree.leafCover as Float64Array;
  const coverOf = (child: number) => (child >= 0 ? nodeCover[child] : leafCover[~child]) as number;
  // The path from the root to the node being visited: its steps, and its slots' features and zero fractions.
  const pathNodes: number[] = [];
  const pathLeft: number[] = [];
  const pathSlots: number[] = [];
  const slotFeatures: number[] = [];
  const slotZeros: number[] = [];
  const visit = (child: number): void => {
    if (child < 0) {
      leaves.value.push(tree.leafValue[~child] as number);
      leaves.stepNode.push(...pathNodes);
      leaves.stepLeft.push(...pathLeft);
      leaves.stepSlot.push(...pathSlots);
      leaves.stepStart.push(leaves.stepNode.length);
      leaves.slotFeature.push(...slotFeatures);
      leaves.slotZero.push(...slotZeros);
      leaves.slotStart.push(leaves.slotFeature.length);
      return;
    }
    const feature = tree.splitFeature[child] as number;
    const known = slotFeatures.indexOf(feature);
    const slot = known >= 0 ? known : slotFeatures.length;
    const previousZero = known >= 0 ? (slotZeros[slot] as number) : 1;
    for (let side = 1; side >= 0; side--) {
      const next = side === 1 ? (tree.leftChild[child] as number) : (tree.rightChild[child] as number);
      slotFeatures[slot] = feature;
      slotZeros[slot] = previousZero * (coverOf(next) / (nodeCover[child] as number));
      pathNodes.push(child);
      pathLeft.push(side);
      pathSlots.push(slot);
      visit(next);
      pathNodes.pop();
      pathLeft.pop();
      pathSlots.pop();
    }
    if (known >= 0) slotZeros[slot] = previousZero;
    else {
      slotFeatures.pop();
      slotZeros.pop();
    }
  };
  visit(0);
}

/** Throws ExplanationUnavailableError unless the tree has a positive cover for every node and leaf. */
function checkCovers(tree: Tree, nodeCover: Float64Array, leafCover: Float64Array, index: number): void {
  const internal = tree.splitFeature.length;
  const leaves = tree.leafValue.length;
  if (nodeCover.length !== internal || leafCover.length !== leaves) {
    throw new ExplanationUnavailableError(`tree ${index}: ${nodeCover.length} node and ${leafCover.length} leaf covers for ${internal} nodes and ${leaves} leaves`);
  }
  if (!nodeCover.every((c) => c > 0) || !leafCover.every((c) => c > 0)) throw new ExplanationUnavailableError(`tree ${index} has a node no training row reached`);
}

/** Cover-weighted mean of the leaf values: the tree's expected output over its training rows. */
function expectedValue(tree: Tree, nodeCover: Float64Array, leafCover: Float64Array): number {
  let sum = 0;
  for (let leaf = 0; leaf < leafCover.length; leaf++) sum += (tree.leafValue[leaf] as number) * (leafCover[leaf] as number);
  return sum / (nodeCover[0] as number);
}
