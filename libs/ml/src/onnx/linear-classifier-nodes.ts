import { TensorProto_DataType, type NodeProto, type TensorProto } from '@tributary/contracts/onnx';
import type { LogisticRegressionModel } from '../linear/logistic-regression-model.js';
import { doubleTensor, graphNode, int64Tensor, ML_DOMAIN } from './onnx-graph.js';

/** Nodes and constants that turn the float64 feature tensor into a logistic regression's outputs. */
export interface GraphPart {
  readonly nodes: NodeProto[];
  readonly initializers: TensorProto[];
}

/**
 * The design matrix built in the graph exactly as TypeScript builds it —
 * numeric columns gathered, NaN replaced by the mean, `(x − mean) / scale` in
 * float64; each categorical column compared with its category list (`Equal`,
 * so unseen and missing codes give all zeros) — then
 * `ai.onnx.ml.LinearClassifier` with a logistic post transform.
 */
export function linearClassifierNodes(model: LogisticRegressionModel, input: string, label: string, probabilities: string): GraphPart {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const designParts: string[] = [];
  const { numeric, categorical } = model.encoding;

  if (numeric.length > 0) {
    initializers.push(
      int64Tensor('numeric_indices', [numeric.length], numeric.map((n) => n.feature)),
      doubleTensor('numeric_means', [numeric.length], numeric.map((n) => n.mean)),
      doubleTensor('numeric_scales', [numeric.length], numeric.map((n) => n.scale)),
    );
    nodes.push(
      graphNode('Gather', [input, 'numeric_indices'], ['numeric_raw'], { axis: { int: 1 } }),
      graphNode('IsNaN', ['numeric_raw'], ['numeric_missing']),
      graphNode('Where', ['numeric_missing', 'numeric_means', 'numeric_raw'], ['numeric_imputed']),
      graphNode('Sub', ['numeric_imputed', 'numeric_means'], ['numeric_centred']),
      graphNode('Div', ['numeric_centred', 'numeric_scales'], ['numeric_standardised']),
    );
    designParts.push('numeric_standardised');
  }
  for (const { feature, categories } of categorical) {
    if (categories.length === 0) continue;
    const name = `feature_${feature}`;
    initializers.push(
      int64Tensor(`${name}_index`, [1], [feature]),
      doubleTensor(`${name}_categories`, [categories.length], categories),
    );
    nodes.push(
      graphNode('Gather', [input, `${name}_index`], [`${name}_code`], { axis: { int: 1 } }),
      graphNode('Equal', [`${name}_code`, `${name}_categories`], [`${name}_is_category`]),
      graphNode('Cast', [`${name}_is_category`], [`${name}_one_hot`], { to: { int: TensorProto_DataType.DOUBLE } }),
    );
    designParts.push(`${name}_one_hot`);
  }
  nodes.push(
    graphNode('Concat', designParts, ['design'], { axis: { int: 1 } }),
    graphNode(
      'LinearClassifier',
      ['design'],
      [label, probabilities],
      {
        coefficients: { floats: Array.from(model.coefficients) },
        intercepts: { floats: [model.intercept] },
        classlabels_ints: { ints: [0, 1] },
        post_transform: { string: 'LOGISTIC' },
      },
      ML_DOMAIN,
    ),
  );
  return { nodes, initializers };
}
