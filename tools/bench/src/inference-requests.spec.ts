import { describe, expect, it } from 'vitest';
import type { FlightsGbdt } from './flights-gbdt.js';
import { modelInferMessages, predictMessages, saturating, sequential, TRIBUTARY_PREDICT, warmUp } from './inference-requests.js';

const model = {
  featureNames: ['a', 'b', 'c'],
  rows: Float32Array.from([1, Number.NaN, 0.5, 2, 3, 4]),
  rowCount: 2,
} as unknown as FlightsGbdt;

describe('predictMessages()', () => {
  it('sends each row whole, a missing value as protobuf JSON writes NaN', () => {
    expect(predictMessages(model)).toEqual([
      { model_name: 'flight-delay', feature_vector: [1, 'NaN', 0.5] },
      { model_name: 'flight-delay', feature_vector: [2, 3, 4] },
    ]);
  });
});

describe('modelInferMessages()', () => {
  it('sends each row as a [1, F] FP32 tensor named after the ONNX input', () => {
    expect(modelInferMessages(model)[1]).toEqual({
      model_name: 'flight-delay',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [2, 3, 4] } }],
    });
  });
});

describe('sequential() and saturating()', () => {
  it('measures latency one request at a time and throughput with many in flight, both after a warm-up', () => {
    const one = sequential('127.0.0.1:1', TRIBUTARY_PREDICT, []);
    const many = saturating('127.0.0.1:1', TRIBUTARY_PREDICT, []);
    expect(one).toMatchObject({ concurrency: 1, skipFirst: 500 });
    expect(many.concurrency).toBeGreaterThan(1);
    expect(many.skipFirst).toBe(500);
  });

  it('warms a server up with as many requests as a throughput run, all of them in flight as there', () => {
    const warm = warmUp('127.0.0.1:1', TRIBUTARY_PREDICT, []);
    const many = saturating('127.0.0.1:1', TRIBUTARY_PREDICT, []);
    expect(warm).toMatchObject({ concurrency: many.concurrency, connections: many.connections, total: many.total, skipFirst: 0 });
  });
});
