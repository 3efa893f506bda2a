import { create, toBinary } from '@bufbuild/protobuf';
import {
  GraphProtoSchema,
  ModelProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataType,
  type NodeProto,
  type TensorProto,
} from '@tributary/contracts/onnx';
import { InvalidOptionsError } from '../errors.js';
import { GbdtModel } from '../gbdt/gbdt-model.js';
import type { LogisticRegressionModel } from '../linear/logistic-regression-model.js';
import { linearClassifierNodes } from './linear-classifier-nodes.js';
import { graphNode, ML_DOMAIN, tensorValueInfo } from './onnx-graph.js';
import { treeEnsembleNodes } from './tree-ensemble-node.js';

/** Names of the exported graph's input and outputs. */
export const ONNX_INPUT = 'features';
export const ONNX_LABEL_OUTPUT = 'label';
export const ONNX_PROBABILITIES_OUTPUT = 'probabilities';
export const ONNX_PREDICTION_OUTPUT = 'prediction';

/** Keys of the metadata properties every exported model carries. */
export const ONNX_METADATA_KEYS = {
  modelName: 'model_name',
  modelVersion: 'model_version',
  features: 'features',
  trainingWindow: 'training_window',
  createdAt: 'created_at',
  modelKind: 'model_kind',
  /**
   * The model's own JSON (`toJSON()`), tree covers included: what exact
   * explanations need and the ONNX graph cannot hold (TreeEnsemble has no
   * node covers). It travels inside the artifact, so its digest covers it.
   */
  modelJson: 'model_json',
} as const;

/** Options of {@link exportOnnx}: what the model is, for the metadata props. */
export interface OnnxExportOptions {
  readonly modelName: string;
  readonly modelVersion: string;
  /** The data window the model was trained on (ISO-8601 instants). */
  readonly trainingWindow: { readonly start: string; readonly end: string };
  /** Default: the current time. */
  readonly createdAt?: Date;
  /** More metadata props, e.g. the code version; they cannot override the standard keys. */
  readonly extraMetadata?: Readonly<Record<string, string>>;
}

/**
 * Serialises a model as an ONNX file (IR 8; opsets: default 17, ai.onnx.ml 4).
 * One input `features` float32 [N, F] in the model's feature order (names in
 * the input's doc string and the `features` metadata prop; categorical
 * columns hold category codes, NaN is missing). Classifiers output `label`
 * int64 [N] and `probabilities` float32 [N, 2] — no ZipMap; a regression GBDT
 * outputs `prediction` float32 [N, 1].
 */
export function exportOnnx(model: GbdtModel | LogisticRegressionModel, options: OnnxExportOptions): Uint8Array {
  if (!options.modelName || !options.modelVersion) {
    throw new InvalidOptionsError('modelName', 'modelName and modelVersion are required');
  }
  const featureCount = model.featureNames.length;
  const features = model.featureNames.map((name, f) => ({ name, categorical: model.categorical[f] === true }));
  const featureDoc = features.map((f, i) => `${i}: ${f.name}${f.categorical ? ' (category code)' : ''}`).join('; ');

  // Tree thresholds and the linear standardisation are float64; float32 → float64 is exact.
  const nodes: NodeProto[] = [graphNode('Cast', [ONNX_INPUT], ['features_f64'], { to: { int: TensorProto_DataType.DOUBLE } })];
  const initializers: TensorProto[] = [];
  const isRegression = model instanceof GbdtModel && model.objective === 'regression';
  const part =
    model instanceof GbdtModel
      ? treeEnsembleNodes(model, 'features_f64', isRegression ? [ONNX_PREDICTION_OUTPUT] : [ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT])
      : linearClassifierNodes(model, 'features_f64', ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT);
  nodes.push(...part.nodes);
  initializers.push(...part.initializers);
  const outputs = isRegression
    ? [tensorValueInfo(ONNX_PREDICTION_OUTPUT, TensorProto_DataType.FLOAT, [null, 1], 'predicted value')]
    : [
        tensorValueInfo(ONNX_LABEL_OUTPUT, TensorProto_DataType.INT64, [null], 'predicted class, 1 when P(class 1) > 0.5'),
        tensorValueInfo(ONNX_PROBABILITIES_OUTPUT, TensorProto_DataType.FLOAT, [null, 2], '[P(class 0), P(class 1)]'),
      ];

  const graph = create(GraphProtoSchema, {
    name: options.modelName,
    docString: `${model.kind} model ${options.modelName} ${options.modelVersion}; features: ${featureDoc}`,
    node: nodes,
    initializer: initializers,
    input: [tensorValueInfo(ONNX_INPUT, TensorProto_DataType.FLOAT, [null, featureCount], `features in order: ${featureDoc}`)],
    output: outputs,
  });
  const standard: Record<string, string> = {
    [ONNX_METADATA_KEYS.modelName]: options.modelName,
    [ONNX_METADATA_KEYS.modelVersion]: options.modelVersion,
    [ONNX_METADATA_KEYS.features]: JSON.stringify(features),
    [ONNX_METADATA_KEYS.trainingWindow]: JSON.stringify(options.trainingWindow),
    [ONNX_METADATA_KEYS.createdAt]: (options.createdAt ?? new Date()).toISOString(),
    [ONNX_METADATA_KEYS.modelKind]: model.kind,
    [ONNX_METADATA_KEYS.modelJson]: JSON.stringify(model),
  };
  const metadata = { ...options.extraMetadata, ...standard };
  const onnxModel = create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'tributary',
    domain: 'dev.tributary',
    docString: graph.docString,
    graph,
    opsetImport: [
      create(OperatorSetIdProtoSchema, { domain: '', version: 17n }),
      create(OperatorSetIdProtoSchema, { domain: ML_DOMAIN, version: 4n }),
    ],
    metadataProps: Object.entries(metadata).map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
  });
  return toBinary(ModelProtoSchema, onnxModel);
}
