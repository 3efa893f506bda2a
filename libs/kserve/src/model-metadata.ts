import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ModelMetadataResponseSchema } from '@tributary/contracts';
import { CONTRIBUTIONS_OUTPUT, FEATURES_INPUT, LABEL_OUTPUT, PLATFORM, PROBABILITIES_OUTPUT, type TabularModel } from './tabular-model.js';

/** A model's KServe v2 metadata as plain data: the REST body, and (with bigint shapes) the gRPC response. */
export interface ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

/** Name, datatype and shape of a tensor; -1 marks the rows dimension. */
export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

/** The KServe v2 metadata of a model: one FP32 input [-1, features], `label` and `probabilities` outputs, and `contributions` (on request). */
export function modelMetadata(model: TabularModel): ModelMetadata {
  return {
    name: model.name,
    versions: model.versions,
    platform: PLATFORM,
    inputs: [{ name: FEATURES_INPUT, datatype: 'FP32', shape: [-1, model.featureNames.length] }],
    outputs: [
      { name: LABEL_OUTPUT, datatype: 'INT64', shape: [-1] },
      { name: PROBABILITIES_OUTPUT, datatype: 'FP32', shape: [-1, 2] },
      { name: CONTRIBUTIONS_OUTPUT, datatype: 'FP64', shape: [-1, model.featureNames.length + 1] },
    ],
  };
}

/** {@link modelMetadata} as the gRPC ModelMetadata response. */
export function grpcModelMetadata(model: TabularModel): MessageInitShape<typeof ModelMetadataResponseSchema> {
  const metadata = modelMetadata(model);
  const tensor = (t: TensorMetadata) => ({ ...t, shape: t.shape.map(BigInt) });
  return { ...metadata, versions: [...metadata.versions], inputs: metadata.inputs.map(tensor), outputs: metadata.outputs.map(tensor) };
}
