import { describe, expect, it } from 'vitest';
import { decodeFeatureRows, MalformedInferBodyError, parseRestInferRequest, type TabularModel } from './index.js';

const model: TabularModel = { name: 'flight-delay', versions: ['3'], featureNames: ['a', 'b'] };

/** A body as tritonclient's HTTP client writes it: JSON header, then the inputs' bytes. */
function binaryBody(header: object, ...chunks: Uint8Array[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...chunks]), headerLength: json.byteLength };
}

describe('parseRestInferRequest()', () => {
  it('reads JSON data, flat or nested, and the requested outputs', () => {
    const body = Buffer.from(
      JSON.stringify({ id: 'r1', inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 2], data: [[1, 2], [3, 4]] }], outputs: [{ name: 'label' }] }),
    );
    const request = parseRestInferRequest(body);
    expect(request).toMatchObject({ id: 'r1', outputNames: ['label'] });
    expect(request.binaryOutputs).toEqual(new Set());
    expect(Array.from(decodeFeatureRows(request.inputs, model).values)).toEqual([1, 2, 3, 4]);
  });

  it('reads Triton binary data after the JSON header and asks for binary outputs as tritonclient does', () => {
    const bytes = new Uint8Array(Float32Array.from([1.5, 2, 3, 4]).buffer);
    const { body, headerLength } = binaryBody(
      { inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 2], parameters: { binary_data_size: 16 } }], parameters: { binary_data_output: true, timeout: 2500 } },
      bytes,
    );
    const request = parseRestInferRequest(body, headerLength);
    expect(request.binaryOutputs).toBe('all');
    expect(request.timeoutUs).toBe(2500);
    expect(Array.from(decodeFeatureRows(request.inputs, model).values)).toEqual([1.5, 2, 3, 4]);
  });

  it('marks single outputs binary by their binary_data parameter', () => {
    const body = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 2], data: [1, 2] }],
        outputs: [{ name: 'label', parameters: { binary_data: true } }, { name: 'probabilities', parameters: { binary_data: false } }],
      }),
    );
    expect(parseRestInferRequest(body).binaryOutputs).toEqual(new Set(['label']));
  });

  it.each([
    ['a body that is not JSON', () => parseRestInferRequest(Buffer.from('{"inputs": [')), /not JSON/],
    ['a JSON array', () => parseRestInferRequest(Buffer.from('[]')), /send a JSON object with an "inputs" array/],
    ['inputs that are not an array', () => parseRestInferRequest(Buffer.from('{"inputs": {}}')), /"inputs" must be an array/],
    ['a tensor without datatype', () => parseRestInferRequest(Buffer.from('{"inputs": [{"name": "features", "shape": [1, 2], "data": [1, 2]}]}')), /input "features" has no "datatype"/],
    ['a negative dimension', () => parseRestInferRequest(Buffer.from('{"inputs": [{"name": "features", "datatype": "FP32", "shape": [-1, 2], "data": [1, 2]}]}')), /"shape" must be an array of counts/],
    ['strings in data', () => parseRestInferRequest(Buffer.from('{"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 2], "data": ["1", 2]}]}')), /"data" must hold numbers/],
    ['a tensor without data', () => parseRestInferRequest(Buffer.from('{"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 2]}]}')), /neither "data" nor binary_data_size/],
    ['a header length past the body', () => parseRestInferRequest(Buffer.from('{}'), 10), /Inference-Header-Content-Length 10 does not fit a body of 2 bytes/],
    ['binary data without the header', () => parseRestInferRequest(Buffer.from('{"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 2], "parameters": {"binary_data_size": 8}}]}')), /no Inference-Header-Content-Length header/],
    [
      'a binary_data_size past the body',
      () => {
        const { body, headerLength } = binaryBody({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 16 } }] }, new Uint8Array(8));
        return parseRestInferRequest(body, headerLength);
      },
      /binary_data_size 16 runs past the end of the body \(8 bytes left\)/,
    ],
    [
      'bytes that belong to no input',
      () => {
        const { body, headerLength } = binaryBody({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } }] }, new Uint8Array(12));
        return parseRestInferRequest(body, headerLength);
      },
      /4 bytes after the JSON header belong to no input/,
    ],
  ])('refuses %s', (_case, attempt, message) => {
    expect(attempt).toThrow(MalformedInferBodyError);
    expect(attempt).toThrow(message);
  });
});
