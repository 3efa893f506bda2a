import { create, toBinary, fromBinary } from '@bufbuild/protobuf';
import { ModelInferRequestSchema } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { assertEdgeHolds, hostileText, mutatedBytes } from '@tributary/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFeatureRows, grpcInferInputs, parseRestInferRequest, resolveOutputNames, type FeatureRows, type TabularModel } from './index.js';

const model: TabularModel = { name: 'flight-delay', versions: ['1'], featureNames: ['a', 'b', 'c'] };

/** Outcome every input must have: rows that fit the model, or an INVALID_ARGUMENT TributaryError — never anything else. */
function expectRowsOrInvalidArgument(decode: () => FeatureRows): void {
  try {
    const rows = decode();
    expect(rows.featureCount).toBe(model.featureNames.length);
    expect(rows.values.length).toBe(rows.rowCount * rows.featureCount);
    for (const value of rows.values) expect(value === Infinity || value === -Infinity).toBe(false);
  } catch (error) {
    if (!(error instanceof TributaryError) || error.code !== Code.InvalidArgument) throw error;
    expect(error.message.length).toBeGreaterThan(10);
  }
}

const dimension = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(-1, 2 ** 40, 1e6));
const datatype = fc.oneof(fc.constantFrom('FP32', 'FP64', 'FP16', 'INT64', 'BYTES', 'BOOL', 'UINT8'), hostileText({ maxLength: 8 }));
const number = fc.oneof(fc.float(), fc.constantFrom(NaN, Infinity, -Infinity, 0));

/** KServe gRPC tensors near and far from valid: any shape, datatype, raw bytes or typed contents. */
const kserveTensor = fc.record({
  name: fc.oneof(fc.constant('features'), hostileText({ maxLength: 12 })),
  datatype,
  shape: fc.array(dimension, { maxLength: 3 }),
  raw: fc.option(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(number, { maxLength: 12 }).map((v) => new Uint8Array(Float32Array.from(v).buffer)))),
  fp32: fc.array(number, { maxLength: 12 }),
  int64: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 4 }),
  outputs: fc.array(fc.oneof(fc.constantFrom('label', 'probabilities'), hostileText({ maxLength: 8 })), { maxLength: 2 }),
});

/** REST bodies: a valid JSON or binary request, mutated byte-wise, with a header length that may lie. */
const validRestBody = fc.array(fc.float({ noDefaultInfinity: true }), { minLength: 3, maxLength: 9 }).map((values) => {
  const rows = Math.floor(values.length / 3);
  const data = Float32Array.from(values.slice(0, rows * 3));
  const json = Buffer.from(
    JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 3], parameters: { binary_data_size: data.byteLength } }], parameters: { binary_data_output: true } }),
  );
  return { bytes: new Uint8Array(Buffer.concat([json, Buffer.from(data.buffer)])), headerLength: json.byteLength };
});
const restBody = fc.tuple(
  validRestBody.chain((valid) => mutatedBytes(fc.constant(valid.bytes)).map((bytes) => ({ bytes, headerLength: valid.headerLength }))),
  fc.option(fc.integer({ min: -4, max: 400 })),
);

describe('KServe edges under fuzzing', () => {
  it('gRPC ModelInfer tensors decode to rows that fit the model or fail with INVALID_ARGUMENT', () =>
    assertEdgeHolds({
      name: 'kserve grpc tensors',
      input: kserveTensor,
      check: (tensor) => {
        const request = create(ModelInferRequestSchema, {
          modelName: model.name,
          inputs: [{ name: tensor.name, datatype: tensor.datatype, shape: tensor.shape.map(BigInt), ...(tensor.raw ? {} : { contents: { fp32Contents: tensor.fp32, int64Contents: tensor.int64 } }) }],
          rawInputContents: tensor.raw ? [tensor.raw] : [],
        });
        // Through the wire encoding, as the server receives it.
        const received = fromBinary(ModelInferRequestSchema, toBinary(ModelInferRequestSchema, request));
        expectRowsOrInvalidArgument(() => {
          resolveOutputNames(tensor.outputs);
          return decodeFeatureRows(grpcInferInputs(received), model, { maxRows: 100 });
        });
      },
    }));

  it('REST bodies (JSON and binary data) decode to rows that fit the model or fail with INVALID_ARGUMENT', () =>
    assertEdgeHolds({
      name: 'kserve rest bodies',
      input: restBody,
      check: ([body, lyingLength]) =>
        expectRowsOrInvalidArgument(() => {
          const request = parseRestInferRequest(body.bytes, lyingLength ?? body.headerLength);
          resolveOutputNames(request.outputNames);
          return decodeFeatureRows(request.inputs, model, { maxRows: 100 });
        }),
    }));
});
