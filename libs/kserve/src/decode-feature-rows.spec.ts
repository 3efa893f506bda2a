import { create } from '@bufbuild/protobuf';
import { ModelInferRequestSchema, type ModelInferRequest } from '@tributary/contracts';
import { Code } from '@tributary/errors';
import { describe, expect, it } from 'vitest';
import { decodeFeatureRows, grpcInferInputs, MalformedTensorError, NonFiniteFeatureError, type TabularModel } from './index.js';

const model: TabularModel = { name: 'flight-delay', versions: ['3'], featureNames: ['distance', 'hour', 'origin_late_share'] };

function rawFp32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function grpcRequest(init: Parameters<typeof create<typeof ModelInferRequestSchema>>[1]): ModelInferRequest {
  return create(ModelInferRequestSchema, { modelName: 'flight-delay', ...init });
}

const decode = (request: ModelInferRequest) => decodeFeatureRows(grpcInferInputs(request), model);

describe('decodeFeatureRows() of gRPC requests', () => {
  it('reads raw_input_contents (how tritonclient sends) as float32 rows', () => {
    const rows = decode(
      grpcRequest({ inputs: [{ name: 'features', datatype: 'FP32', shape: [2n, 3n] }], rawInputContents: [rawFp32([1744, 9, 0.25, 300, 17, 0.5])] }),
    );
    expect(rows.rowCount).toBe(2);
    expect(Array.from(rows.values)).toEqual([1744, 9, 0.25, 300, 17, 0.5]);
  });

  it('reads typed fp32_contents and fp64_contents', () => {
    const fp32 = decode(grpcRequest({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1n, 3n], contents: { fp32Contents: [1, 2, 3] } }] }));
    const fp64 = decode(grpcRequest({ inputs: [{ name: 'features', datatype: 'FP64', shape: [1n, 3n], contents: { fp64Contents: [1.5, 2, 3] } }] }));
    expect(Array.from(fp32.values)).toEqual([1, 2, 3]);
    expect(Array.from(fp64.values)).toEqual([1.5, 2, 3]);
  });

  it('keeps NaN as a missing value', () => {
    const rows = decode(grpcRequest({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1n, 3n] }], rawInputContents: [rawFp32([1, NaN, 3])] }));
    expect(Number.isNaN(rows.values[1])).toBe(true);
  });

  it.each([
    ['a byte length that does not fit the shape', { inputs: [{ name: 'features', datatype: 'FP32', shape: [2n, 3n] }], rawInputContents: [rawFp32([1, 2, 3])] }, /12 raw bytes .* send 24 bytes/],
    ['a wrong feature count', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1n, 4n], contents: { fp32Contents: [1, 2, 3, 4] } }] }, /4 features per row; model "flight-delay" takes 3 \(distance, hour, origin_late_share\)/],
    ['a one-dimensional shape', { inputs: [{ name: 'features', datatype: 'FP32', shape: [3n], contents: { fp32Contents: [1, 2, 3] } }] }, /has 1 dimensions; send \[rows, 3\]/],
    ['zero rows', { inputs: [{ name: 'features', datatype: 'FP32', shape: [0n, 3n], contents: { fp32Contents: [] } }] }, /0 rows; send 1 to 10000 rows/],
    ['a datatype the model does not take', { inputs: [{ name: 'features', datatype: 'INT64', shape: [1n, 3n], contents: { int64Contents: [1n, 2n, 3n] } }] }, /datatype "INT64" is not accepted; send FP32/],
    ['values in the contents field of another datatype', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1n, 3n], contents: { fp64Contents: [1, 2, 3] } }] }, /values sent in contents.fp64_contents but datatype FP32 is read from contents.fp32_contents/],
    ['a count of values that does not fit the shape', { inputs: [{ name: 'features', datatype: 'FP32', shape: [2n, 3n], contents: { fp32Contents: [1, 2, 3] } }] }, /3 values do not fit shape \[2, 3\]; send 6 values/],
    ['both raw and typed contents', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1n, 3n], contents: { fp32Contents: [1, 2, 3] } }], rawInputContents: [rawFp32([1, 2, 3])] }, /both raw_input_contents and typed contents/],
    ['more raw entries than inputs', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1n, 3n] }], rawInputContents: [rawFp32([1, 2, 3]), rawFp32([1])] }, /2 raw_input_contents for 1 inputs/],
    ['an input of another name', { inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1n, 3n], contents: { fp32Contents: [1, 2, 3] } }] }, /takes one FP32 tensor "features" of shape \[rows, 3\], got inputs "INPUT0"/],
    ['no input at all', {}, /missing; send one FP32 tensor "features"/],
    ['an input without values', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1n, 3n] }] }, /has no values; datatype FP32 is read from contents.fp32_contents/],
  ])('refuses %s with INVALID_ARGUMENT saying what to send', (_case, init, message) => {
    const attempt = () => decode(grpcRequest(init as Parameters<typeof grpcRequest>[0]));
    expect(attempt).toThrow(MalformedTensorError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: Code.InvalidArgument, retryable: false });
    }
  });

  it('refuses ±Infinity, naming the row and the feature', () => {
    const request = grpcRequest({ inputs: [{ name: 'features', datatype: 'FP32', shape: [2n, 3n] }], rawInputContents: [rawFp32([1, 2, 3, 4, -Infinity, 6])] });
    expect(() => decode(request)).toThrow(NonFiniteFeatureError);
    expect(() => decode(request)).toThrow('row 1, feature "hour" is -Infinity; send a finite float32 number, or NaN for a missing value');
  });

  it('refuses more rows than the limit', () => {
    const request = grpcRequest({ inputs: [{ name: 'features', datatype: 'FP32', shape: [3n, 3n] }], rawInputContents: [rawFp32(Array(9).fill(1))] });
    expect(() => decodeFeatureRows(grpcInferInputs(request), model, { maxRows: 2 })).toThrow('3 rows; send 1 to 2 rows per request');
  });
});

describe('decodeFeatureRows() of FP64 values', () => {
  it('refuses a value beyond float32 range, which the model would read as Infinity', () => {
    const request = grpcRequest({ inputs: [{ name: 'features', datatype: 'FP64', shape: [1n, 3n], contents: { fp64Contents: [1, 1e39, 3] } }] });
    expect(() => decode(request)).toThrow('row 0, feature "hour" is 1e+39; send a finite float32 number');
  });
});
