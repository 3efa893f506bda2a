/**
 * @tributary/kserve — the Open Inference Protocol (KServe v2) and Triton's
 * extensions for Tributary's models, as logic without a server: input tensors
 * from gRPC (typed or raw contents) and REST (JSON or Triton's binary data)
 * decoded and validated into feature rows, answers encoded as `label` and
 * `probabilities` outputs (and, when asked for, per-feature `contributions`), and the metadata, config and statistics the
 * protocol's clients ask for. The inference service puts it behind its gRPC
 * and REST servers.
 */
export { decodeFeatureRows, type DecodeFeatureRowsOptions, type FeatureRows } from './decode-feature-rows.js';
export { MalformedInferBodyError, MalformedTensorError, NonFiniteFeatureError, UnknownOutputError } from './errors.js';
export { grpcInferInputs } from './grpc-infer-inputs.js';
export { toHttpError, type HttpError } from './http-error.js';
export { grpcInferOutputs } from './grpc-infer-outputs.js';
export type { InferInputTensor } from './infer-input-tensor.js';
export {
  inferWithPipeline,
  type InferWithPipelineOptions,
  type TensorInferRequest,
  type TensorInferResult,
} from './infer-with-pipeline.js';
export { buildInferOutputs, resolveOutputNames, tensorBytes, type InferOutputTensor, type RowAnswer } from './infer-outputs.js';
export { modelConfig, modelConfigJson, type ModelBatching } from './model-config.js';
export { grpcModelMetadata, modelMetadata, type ModelMetadata, type TensorMetadata } from './model-metadata.js';
export { modelStatistics, modelStatisticsJson } from './model-statistics.js';
export { parseRestInferRequest, type RestInferRequest } from './rest-infer-request.js';
export { encodeRestInferResponse, type RestInferResponse, type RestInferResponseOptions } from './rest-infer-response.js';
export {
  CONTRIBUTIONS_OUTPUT,
  FEATURES_INPUT,
  LABEL_OUTPUT,
  ON_REQUEST_OUTPUT_NAMES,
  OUTPUT_NAMES,
  PLATFORM,
  PROBABILITIES_OUTPUT,
  tabularModel,
  type TabularModel,
} from './tabular-model.js';
