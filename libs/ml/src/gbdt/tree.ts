/**
 * One regression tree of the ensemble, as flat arrays. Internal node `i`
 * tests feature `splitFeature[i]`; a child index ≥ 0 is another internal
 * node, a negative one is the leaf `~child`. A tree without internal nodes
 * is the single leaf 0.
 *
 * Tests, identical in TypeScript and in the exported ONNX graph:
 * - missing (NaN) goes left when `defaultLeft[i]` is 1;
 * - numeric: left when `fround(x) <= threshold[i]` (thresholds are float32 numbers);
 * - categorical (`categories[i]` set): left when the code is in the set, right otherwise
 *   (categories never seen in training included).
 */
export interface Tree {
  readonly splitFeature: Int32Array;
  /** Numeric splits only; 0 at categorical splits. */
  readonly threshold: Float64Array;
  readonly categories: readonly (Float64Array | null)[];
  readonly defaultLeft: Uint8Array;
  readonly leftChild: Int32Array;
  readonly rightChild: Int32Array;
  /** Loss reduction of each split, for feature importance. */
  readonly splitGain: Float64Array;
  readonly leafValue: Float64Array;
  /**
   * Training rows (of the tree's bagged sample) that reached each internal
   * node and each leaf: the covers TreeSHAP weighs paths by. Absent in models
   * trained before covers were kept.
   */
  readonly nodeCover?: Float64Array;
  readonly leafCover?: Float64Array;
}

/** A tree prepared for fast prediction: categorical sets as hash sets. */
export interface CompiledTree {
  readonly tree: Tree;
  readonly categorySets: readonly (ReadonlySet<number> | null)[];
}

export function compileTree(tree: Tree): CompiledTree {
  return { tree, categorySets: tree.categories.map((codes) => (codes ? new Set(codes) : null)) };
}

/**
 * Leaf index reached by `row`, reading float32 columns (so the comparisons are
 * the float32 comparisons of the exported model).
 */
export function leafIndex(compiled: CompiledTree, columns: readonly Float32Array[], row: number): number {
  const { tree, categorySets } = compiled;
  if (tree.splitFeature.length === 0) return 0;
  let node = 0;
  while (node >= 0) {
    const x = (columns[tree.splitFeature[node] as number] as Float32Array)[row] as number;
    let goLeft: boolean;
    if (Number.isNaN(x)) goLeft = tree.defaultLeft[node] === 1;
    else {
      const set = categorySets[node];
      goLeft = set ? set.has(x) : x <= (tree.threshold[node] as number);
    }
    node = goLeft ? (tree.leftChild[node] as number) : (tree.rightChild[node] as number);
  }
  return ~node;
}

/** Serialisable form of a {@link Tree}. */
export interface TreeJson {
  readonly splitFeature: number[];
  readonly threshold: number[];
  readonly categories: (number[] | null)[];
  readonly defaultLeft: number[];
  readonly leftChild: number[];
  readonly rightChild: number[];
  readonly splitGain: number[];
  readonly leafValue: number[];
  readonly nodeCover?: number[];
  readonly leafCover?: number[];
}

export function treeToJson(tree: Tree): TreeJson {
  return {
    splitFeature: Array.from(tree.splitFeature),
    threshold: Array.from(tree.threshold),
    categories: tree.categories.map((codes) => (codes ? Array.from(codes) : null)),
    defaultLeft: Array.from(tree.defaultLeft),
    leftChild: Array.from(tree.leftChild),
    rightChild: Array.from(tree.rightChild),
    splitGain: Array.from(tree.splitGain),
    leafValue: Array.from(tree.leafValue),
    ...(tree.nodeCover && tree.leafCover ? { nodeCover: Array.from(tree.nodeCover), leafCover: Array.from(tree.leafCover) } : {}),
  };
}

export function treeFromJson(json: TreeJson): Tree {
  return {
    splitFeature: Int32Array.from(json.splitFeature),
    threshold: Float64Array.from(json.threshold),
    categories: json.categories.map((codes) => (codes ? Float64Array.from(codes) : null)),
    defaultLeft: Uint8Array.from(json.defaultLeft),
    leftChild: Int32Array.from(json.leftChild),
    rightChild: Int32Array.from(json.rightChild),
    splitGain: Float64Array.from(json.splitGain),
    leafValue: Float64Array.from(json.leafValue),
    ...(json.nodeCover && json.leafCover ? { nodeCover: Float64Array.from(json.nodeCover), leafCover: Float64Array.from(json.leafCover) } : {}),
  };
}
