import type { NodeProto, TensorProto } from '@tributary/contracts/onnx';
import type { GbdtModel } from '../gbdt/gbdt-model.js';
import type { Tree } from '../gbdt/tree.js';
import { blockTest, categoryBlockNodes, categoryBlocks, type CategoryBlocks } from './category-blocks.js';
import { doubleTensor, graphNode, ML_DOMAIN, type AttributeValue } from './onnx-graph.js';

/** The per-node and per-leaf attribute arrays of an ONNX TreeEnsemble operator. */
interface EnsembleArrays {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: string[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
  missingTracksTrue: number[];
  leafTreeIds: number[];
  leafNodeIds: number[];
  leafWeights: number[];
}

/**
 * Lays out one tree as ONNX nodes. A numeric split is one `BRANCH_LEQ`; a
 * categorical split "code ∈ {c1…ck}" is a chain of `BRANCH_EQ` nodes on the
 * codes' block columns ({@link CategoryBlocks}), block by block, that all
 * lead to the same left subtree when true and to the next test when false,
 * the last one falling through to the right subtree; ONNX Runtime folds each
 * block's run into one bitmask test. (It accepts a subtree shared by several
 * nodes only through their true branches, which rules out a logarithmic
 * search over the codes.) Missing values follow
 * `nodes_missing_value_tracks_true`: on the one LEQ node, or on the first EQ
 * node of a chain whose default is left (otherwise NaN fails every EQ and
 * falls through to the right, as in TypeScript).
 */
function addTree(arrays: EnsembleArrays, tree: Tree, treeId: number, blocks: CategoryBlocks): void {
  let nextId = 0;
  const emit = (featureId: number, mode: string, value: number, missingTrue: boolean): number => {
    const id = nextId++;
    arrays.treeIds.push(treeId);
    arrays.nodeIds.push(id);
    arrays.featureIds.push(featureId);
    arrays.modes.push(mode);
    arrays.values.push(value);
    arrays.trueIds.push(0);
    arrays.falseIds.push(0);
    arrays.missingTracksTrue.push(missingTrue ? 1 : 0);
    return id;
  };
  const at = (id: number) => arrays.nodeIds.length - nextId + id;

  // Depth-first, root first (ONNX Runtime takes a tree's first node as its root).
  const visit = (child: number): number => {
    if (child < 0) {
      const id = emit(0, 'LEAF', 0, false);
      arrays.leafTreeIds.push(treeId);
      arrays.leafNodeIds.push(id);
      arrays.leafWeights.push(tree.leafValue[~child] as number);
      return id;
    }
    const feature = tree.splitFeature[child] as number;
    const defaultLeft = tree.defaultLeft[child] === 1;
    const categories = tree.categories[child];
    const tests = categories
      ? Array.from(categories, (code) => blockTest(blocks, feature, code))
          .sort((a, b) => a.column - b.column || a.value - b.value)
          .map((test, i) => emit(test.column, 'BRANCH_EQ', test.value, i === 0 && defaultLeft))
      : [emit(feature, 'BRANCH_LEQ', tree.threshold[child] as number, defaultLeft)];
    const left = visit(tree.leftChild[child] as number);
    const right = visit(tree.rightChild[child] as number);
    tests.forEach((id, i) => {
      arrays.trueIds[at(id)] = left;
      arrays.falseIds[at(id)] = tests[i + 1] ?? right;
    });
    return tests[0] as number;
  };
  visit(tree.splitFeature.length === 0 ? ~0 : 0);
}

function ensembleArrays(model: GbdtModel, blocks: CategoryBlocks): EnsembleArrays {
  const arrays: EnsembleArrays = {
    treeIds: [], nodeIds: [], featureIds: [], modes: [], values: [], trueIds: [], falseIds: [],
    missingTracksTrue: [], leafTreeIds: [], leafNodeIds: [], leafWeights: [],
  };
  model.trees.forEach((tree, treeId) => addTree(arrays, tree, treeId, blocks));
  return arrays;
}

function nodeAttributes(a: EnsembleArrays): Record<string, AttributeValue> {
  return {
    nodes_treeids: { ints: a.treeIds },
    nodes_nodeids: { ints: a.nodeIds },
    nodes_featureids: { ints: a.featureIds },
    nodes_modes: { strings: a.modes },
    // Double thresholds and weights (ai.onnx.ml opset 3) make ONNX Runtime compare and sum in float64, like TypeScript.
    nodes_values_as_tensor: { tensor: doubleTensor('nodes_values', [a.values.length], a.values) },
    nodes_truenodeids: { ints: a.trueIds },
    nodes_falsenodeids: { ints: a.falseIds },
    nodes_missing_value_tracks_true: { ints: a.missingTracksTrue },
  };
}

/**
 * `ai.onnx.ml.TreeEnsembleClassifier` for a binary GBDT: one weight per leaf
 * on class 0's score slot, the base score as base value, and a logistic post
 * transform; ONNX Runtime then writes probabilities `[1 − p, p]`.
 */
function classifierNode(model: GbdtModel, a: EnsembleArrays, input: string, label: string, probabilities: string): NodeProto {
  return graphNode(
    'TreeEnsembleClassifier',
    [input],
    [label, probabilities],
    {
      ...nodeAttributes(a),
      classlabels_int64s: { ints: [0, 1] },
      class_treeids: { ints: a.leafTreeIds },
      class_nodeids: { ints: a.leafNodeIds },
      class_ids: { ints: a.leafTreeIds.map(() => 0) },
      class_weights_as_tensor: { tensor: doubleTensor('class_weights', [a.leafWeights.length], a.leafWeights) },
      base_values_as_tensor: { tensor: doubleTensor('base_values', [1], [model.baseScore]) },
      post_transform: { string: 'LOGISTIC' },
    },
    ML_DOMAIN,
  );
}

/** `ai.onnx.ml.TreeEnsembleRegressor` for a regression GBDT: one target, summed leaf values plus the base score. */
function regressorNode(model: GbdtModel, a: EnsembleArrays, input: string, output: string): NodeProto {
  return graphNode(
    'TreeEnsembleRegressor',
    [input],
    [output],
    {
      ...nodeAttributes(a),
      n_targets: { int: 1 },
      target_treeids: { ints: a.leafTreeIds },
      target_nodeids: { ints: a.leafNodeIds },
      target_ids: { ints: a.leafTreeIds.map(() => 0) },
      target_weights_as_tensor: { tensor: doubleTensor('target_weights', [a.leafWeights.length], a.leafWeights) },
      base_values_as_tensor: { tensor: doubleTensor('base_values', [1], [model.baseScore]) },
      aggregate_function: { string: 'SUM' },
      post_transform: { string: 'NONE' },
    },
    ML_DOMAIN,
  );
}

/**
 * The graph of a GBDT from `input` (float64 [N, F], so thresholds and sums
 * are float64): the categorical block columns when it has categorical
 * splits, then the tree ensemble, writing `outputs` — `[label, probabilities]`
 * for a classifier, `[prediction]` for a regression.
 */
export function treeEnsembleNodes(model: GbdtModel, input: string, outputs: readonly string[]): { nodes: NodeProto[]; initializers: TensorProto[] } {
  const blocks = categoryBlocks(model);
  const prelude = categoryBlockNodes(blocks, input, 'tree_input');
  const a = ensembleArrays(model, blocks);
  const ensemble =
    model.objective === 'regression'
      ? regressorNode(model, a, prelude.treeInput, outputs[0] as string)
      : classifierNode(model, a, prelude.treeInput, outputs[0] as string, outputs[1] as string);
  return { nodes: [...prelude.nodes, ensemble], initializers: prelude.initializers };
}
