import { create, toJson, type JsonObject } from '@bufbuild/protobuf';
import { DataType, ModelConfigSchema, type ModelConfig } from '@tributary/contracts';
import { CONTRIBUTIONS_OUTPUT, FEATURES_INPUT, LABEL_OUTPUT, PLATFORM, PROBABILITIES_OUTPUT, type TabularModel } from './tabular-model.js';

/** How the server batches single requests, for the config it reports. */
export interface ModelBatching {
  /** Most rows the micro-batcher runs together. */
  readonly maxBatchSize: number;
  /** Longest a request waits for others to join its batch, in ms. */
  readonly maxQueueDelayMs: number;
}

/**
 * The model's configuration in Triton's terms (the ModelConfig RPC; Triton's
 * `perf_analyzer` asks for it). `max_batch_size` is 0 and the dims carry the
 * rows dimension as -1, because requests send [rows, features] themselves;
 * the micro-batching of single requests is reported as `dynamic_batching`.
 * Feature names, in order, are the `feature_names` parameter (JSON).
 */
export function modelConfig(model: TabularModel, batching: ModelBatching): ModelConfig {
  return create(ModelConfigSchema, {
    name: model.name,
    platform: PLATFORM,
    backend: 'onnxruntime',
    maxBatchSize: 0,
    input: [{ name: FEATURES_INPUT, dataType: DataType.TYPE_FP32, dims: [-1n, BigInt(model.featureNames.length)] }],
    output: [
      { name: LABEL_OUTPUT, dataType: DataType.TYPE_INT64, dims: [-1n] },
      { name: PROBABILITIES_OUTPUT, dataType: DataType.TYPE_FP32, dims: [-1n, 2n] },
      { name: CONTRIBUTIONS_OUTPUT, dataType: DataType.TYPE_FP64, dims: [-1n, BigInt(model.featureNames.length + 1)] },
    ],
    schedulingChoice: {
      case: 'dynamicBatching',
      value: { preferredBatchSize: [batching.maxBatchSize], maxQueueDelayMicroseconds: BigInt(Math.round(batching.maxQueueDelayMs * 1000)) },
    },
    parameters: { feature_names: { stringValue: JSON.stringify(model.featureNames) } },
  });
}

/** {@link modelConfig} as Triton's REST `/config` body: proto field names, numbers for dims. */
export function modelConfigJson(config: ModelConfig): JsonObject {
  const json = toJson(ModelConfigSchema, config, { useProtoFieldName: true }) as JsonObject;
  const numericDims = (tensors: unknown) =>
    (tensors as JsonObject[] | undefined)?.map((t) => ({ ...t, dims: (t['dims'] as string[] | undefined)?.map(Number) ?? [] })) ?? [];
  return { ...json, input: numericDims(json['input']), output: numericDims(json['output']) };
}
