import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { DataType, ModelConfigSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import type { ServedModelStatus, ServedVersionStatus, VersionStatistics } from '@tributary/serving';
import { grpcModelMetadata, modelConfig, modelConfigJson, modelMetadata, modelStatistics, modelStatisticsJson, tabularModel, type TabularModel } from './index.js';

const model: TabularModel = { name: 'flight-delay', versions: ['4', '3'], featureNames: ['distance', 'hour'] };

const none = { count: 0, ns: 0 };
const idle: VersionStatistics = {
  success: none,
  fail: none,
  queue: none,
  computeInfer: none,
  cacheHit: none,
  cacheMiss: none,
  inferenceCount: 0,
  executionCount: 0,
  lastInferenceMs: 0,
  batches: new Map(),
};
const version = (v: number, aliases: string[], features: string[], overrides: Partial<ServedVersionStatus> = {}): ServedVersionStatus => ({
  version: v,
  aliases,
  role: 'primary',
  ready: true,
  modelType: 'gbdt',
  features: features.map((name) => ({ name, categorical: false, defaultValue: Number.NaN })),
  threshold: 0.5,
  maxBatchSize: 64,
  statistics: idle,
  ...overrides,
});
const served: readonly ServedModelStatus[] = [
  {
    name: 'flight-delay',
    versions: [
      version(5, ['shadow'], ['distance', 'hour'], { ready: false }),
      version(4, ['champion'], ['distance', 'hour'], {
        statistics: {
          ...idle,
          success: { count: 10, ns: 5_000 },
          fail: { count: 1, ns: 70 },
          inferenceCount: 12,
          executionCount: 3,
          lastInferenceMs: 1_700_000_000_001,
          batches: new Map([[4, { count: 3, ns: 900 }]]),
        },
      }),
      version(3, ['challenger'], ['distance']),
      version(2, [], ['distance'], { role: 'fallback' }),
    ],
  },
];

describe('modelMetadata()', () => {
  it('describes one FP32 input of [rows, features], the two outputs of the ONNX export and the contributions asked for by name', () => {
    expect(modelMetadata(model)).toEqual({
      name: 'flight-delay',
      versions: ['4', '3'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
        { name: 'contributions', datatype: 'FP64', shape: [-1, 3] },
      ],
    });
    expect(grpcModelMetadata(model).inputs?.[0]?.shape).toEqual([-1n, 2n]);
  });
});

describe('modelConfig()', () => {
  const config = modelConfig(model, { maxBatchSize: 64, maxQueueDelayMs: 0.5 });

  it("survives Triton's wire format with its field numbers", () => {
    const decoded = fromBinary(ModelConfigSchema, toBinary(ModelConfigSchema, config));
    expect(decoded.input[0]).toMatchObject({ name: 'features', dataType: DataType.TYPE_FP32, dims: [-1n, 2n] });
    expect(decoded.schedulingChoice).toMatchObject({ case: 'dynamicBatching', value: { preferredBatchSize: [64], maxQueueDelayMicroseconds: 500n } });
    expect(decoded.parameters['feature_names']?.stringValue).toBe('["distance","hour"]');
  });

  it('reads as Triton\'s REST JSON: proto field names, enum names, numeric dims', () => {
    expect(modelConfigJson(config)).toMatchObject({
      name: 'flight-delay',
      platform: 'onnxruntime_onnx',
      input: [{ name: 'features', data_type: 'TYPE_FP32', dims: [-1, 2] }],
      output: [
        { name: 'label', data_type: 'TYPE_INT64', dims: [-1] },
        { name: 'probabilities', data_type: 'TYPE_FP32', dims: [-1, 2] },
        { name: 'contributions', data_type: 'TYPE_FP64', dims: [-1, 3] },
      ],
      dynamic_batching: { preferred_batch_size: [64], max_queue_delay_microseconds: '500' },
    });
  });
});

describe('tabularModel()', () => {
  it("answers the champion's feature order by default, a named version's when asked, nothing for what is not ready", () => {
    expect(tabularModel(served, 'flight-delay')).toEqual({ name: 'flight-delay', versions: ['4', '3'], featureNames: ['distance', 'hour'] });
    expect(tabularModel(served, 'flight-delay', '3')?.featureNames).toEqual(['distance']);
    expect(tabularModel(served, 'flight-delay', '2')).toBeUndefined();
    expect(tabularModel(served, 'flight-delay', '5')).toBeUndefined();
    expect(tabularModel(served, 'other')).toBeUndefined();
  });
});

describe('modelStatistics()', () => {
  it("reports each loaded version's statistics in Triton's shape, filtered by name and version", () => {
    const [only, ...rest] = modelStatistics(served, 'flight-delay', '4');
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ name: 'flight-delay', version: '4', inferenceCount: 12n, executionCount: 3n, lastInference: 1_700_000_000_001n });
    expect(only?.inferenceStats?.success).toMatchObject({ count: 10n, ns: 5_000n });
    expect(only?.inferenceStats?.fail).toMatchObject({ count: 1n, ns: 70n });
    expect(only?.batchStats).toMatchObject([{ batchSize: 4n, computeInfer: { count: 3n, ns: 900n } }]);
    expect(modelStatistics(served)).toHaveLength(4);
    expect(modelStatisticsJson(modelStatistics(served, 'flight-delay', '4')).model_stats).toMatchObject([
      { name: 'flight-delay', version: '4', inference_count: 12, inference_stats: { success: { count: 10, ns: 5000 } }, batch_stats: [{ batch_size: 4 }] },
    ]);
  });
});
