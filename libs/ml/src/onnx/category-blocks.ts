import type { NodeProto, TensorProto } from '@tributary/contracts/onnx';
import type { GbdtModel } from '../gbdt/gbdt-model.js';
import { doubleTensor, graphNode, int64Tensor, ML_DOMAIN } from './onnx-graph.js';

/**
 * ONNX Runtime folds a chain of `BRANCH_EQ` nodes on one feature that all
 * lead to the same node when true into a single bitmask test, but only when
 * the values compared are small integers (1…64 measured with ONNX Runtime
 * 1.30; 128 no longer folds). Category codes such as airports are not, so a
 * categorical split listing 30 codes cost up to 30 comparisons a row.
 *
 * The graph therefore re-indexes codes before the trees: every code some
 * split lists gets a position 1…n in its feature (a `LabelEncoder`; codes no
 * split lists get 0), and position p becomes block columns, one per block of
 * {@link BLOCK_WIDTH} positions, holding `p − width · block`: a member value
 * in its own block's column, out of range (≤ 0 or > width) in the others. A
 * split's set is then one folded test per block it touches. Missing values
 * stay NaN in every block column and follow the split's default, as before.
 */
export const BLOCK_WIDTH = 64;

/** Where the derived block columns of one categorical feature start, and how its codes map to positions. */
interface FeatureBlocks {
  readonly feature: number;
  /** Position (1-based) of each listed code. */
  readonly positions: ReadonlyMap<number, number>;
  readonly firstColumn: number;
}

/** The block re-indexing of a model's categorical splits; empty when the model has none. */
export interface CategoryBlocks {
  /** Categorical features re-indexed, in feature order. */
  readonly features: readonly FeatureBlocks[];
}

/** The test of `code` (of feature `feature`) as a tree node: which input column and which value. */
export function blockTest(blocks: CategoryBlocks, feature: number, code: number): { column: number; value: number } {
  const entry = blocks.features.find((f) => f.feature === feature);
  const position = entry?.positions.get(code);
  if (!entry || position === undefined) throw new Error(`code ${code} of feature ${feature} is listed by no split`);
  const block = Math.floor((position - 1) / BLOCK_WIDTH);
  return { column: entry.firstColumn + block, value: position - BLOCK_WIDTH * block };
}

/**
 * The block layout of `model`'s categorical splits: for each categorical
 * feature some split tests, its listed codes in ascending order. (Ordering
 * codes by the direction of the splits listing them clustered nothing on the
 * flights GBDT: a split's codes still touched 3.9 of 4 blocks.)
 */
export function categoryBlocks(model: GbdtModel): CategoryBlocks {
  const features: FeatureBlocks[] = [];
  // Block columns follow the model's own features in the tree input.
  let nextColumn = model.featureNames.length;
  model.categorical.forEach((categorical, feature) => {
    if (!categorical) return;
    const listed = new Set<number>();
    for (const tree of model.trees) {
      tree.categories.forEach((codes, node) => {
        if (codes && tree.splitFeature[node] === feature) codes.forEach((code) => listed.add(code));
      });
    }
    if (listed.size === 0) return;
    const ordered = [...listed].sort((a, b) => a - b);
    features.push({ feature, positions: new Map(ordered.map((code, i) => [code, i + 1])), firstColumn: nextColumn });
    nextColumn += Math.ceil(ordered.length / BLOCK_WIDTH);
  });
  return { features };
}

/**
 * The graph nodes that append the block columns to `input` (float64 [N, F])
 * as `output` (float64 [N, F + block columns]), the constants they read, and
 * the name of the trees' input: `output`, or `input` itself (and no nodes)
 * when the model has no categorical split.
 */
export function categoryBlockNodes(
  blocks: CategoryBlocks,
  input: string,
  output: string,
): { nodes: NodeProto[]; initializers: TensorProto[]; treeInput: string } {
  if (blocks.features.length === 0) return { nodes: [], initializers: [], treeInput: input };
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const blockColumns = blocks.features.map(({ feature, positions }) => {
    const name = (what: string) => `${what}_${feature}`;
    const blockCount = Math.ceil(positions.size / BLOCK_WIDTH);
    initializers.push(
      int64Tensor(name('column'), [1], [feature]),
      doubleTensor(name('block_start'), [1, blockCount], Array.from({ length: blockCount }, (_, b) => BLOCK_WIDTH * b)),
    );
    nodes.push(
      graphNode('Gather', [input, name('column')], [name('code')], { axis: { int: 1 } }),
      graphNode(
        'LabelEncoder',
        [name('code')],
        [name('listed_position')],
        {
          keys_tensor: { tensor: doubleTensor(name('codes'), [positions.size], [...positions.keys()]) },
          values_tensor: { tensor: doubleTensor(name('positions'), [positions.size], [...positions.values()]) },
          default_tensor: { tensor: doubleTensor(name('unlisted'), [1], [0]) },
        },
        ML_DOMAIN,
      ),
      // A missing code stays NaN, so it follows the split's default; any other value, ±∞ too, is listed or not.
      graphNode('IsNaN', [name('code')], [name('missing')]),
      graphNode('Where', [name('missing'), name('code'), name('listed_position')], [name('position')]),
      graphNode('Sub', [name('position'), name('block_start')], [name('blocks')]),
    );
    return name('blocks');
  });
  nodes.push(graphNode('Concat', [input, ...blockColumns], [output], { axis: { int: 1 } }));
  return { nodes, initializers, treeInput: output };
}
