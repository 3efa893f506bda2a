import { describe, expect, it } from 'vitest';
import { buildInferOutputs, encodeRestInferResponse, grpcInferOutputs, resolveOutputNames, UnknownOutputError, type RowAnswer } from './index.js';

const answers = [
  { prediction: 1, probability: 0.75 },
  { prediction: 0, probability: 0.125 },
];

describe('buildInferOutputs()', () => {
  it('answers label int64 [rows] and probabilities float32 [rows, 2], all of them when none is named', () => {
    const [label, probabilities] = buildInferOutputs(answers, resolveOutputNames([]));
    expect(label).toMatchObject({ name: 'label', datatype: 'INT64', shape: [2] });
    expect(label?.data).toEqual(BigInt64Array.from([1n, 0n]));
    expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [2, 2] });
    expect(probabilities?.data).toEqual(Float32Array.from([0.25, 0.75, 0.875, 0.125]));
  });

  it('answers contributions float64 [rows, features + 1] only when named: features in order, then the base value; NaN for a row not explained', () => {
    expect(resolveOutputNames([])).not.toContain('contributions');
    const explained: RowAnswer[] = [{ prediction: 1, probability: 0.75, explanation: { baseValue: -1.5, contributions: Float64Array.from([0.25, 0.5]) } }, { prediction: 0, probability: 0.125 }];
    const [contributions] = buildInferOutputs(explained, resolveOutputNames(['contributions']), 2);
    expect(contributions).toMatchObject({ name: 'contributions', datatype: 'FP64', shape: [2, 3] });
    expect(contributions?.data).toEqual(Float64Array.from([0.25, 0.5, -1.5, Number.NaN, Number.NaN, Number.NaN]));
    const typed = grpcInferOutputs([contributions as NonNullable<typeof contributions>], false);
    expect(typed.outputs[0]).toMatchObject({ datatype: 'FP64', contents: { fp64Contents: [0.25, 0.5, -1.5, Number.NaN, Number.NaN, Number.NaN] } });
  });

  it('refuses an output the model does not have, before any work', () => {
    expect(() => resolveOutputNames(['label', 'OUTPUT0'])).toThrow(UnknownOutputError);
    expect(() => resolveOutputNames(['OUTPUT0'])).toThrow('the model has no output "OUTPUT0"; ask for "label" or "probabilities"');
  });
});

describe('grpcInferOutputs()', () => {
  it('puts little-endian bytes in raw_output_contents when asked for raw', () => {
    const encoded = grpcInferOutputs(buildInferOutputs(answers, ['probabilities']), true);
    expect(encoded.outputs).toEqual([{ name: 'probabilities', datatype: 'FP32', shape: [2n, 2n] }]);
    expect(Array.from(new Float32Array(Uint8Array.from(encoded.rawOutputContents[0] ?? []).buffer))).toEqual([0.25, 0.75, 0.875, 0.125]);
  });

  it('uses typed contents otherwise', () => {
    const encoded = grpcInferOutputs(buildInferOutputs(answers, ['label']), false);
    expect(encoded.rawOutputContents).toEqual([]);
    expect(encoded.outputs[0]).toMatchObject({ contents: { int64Contents: [1n, 0n] } });
  });
});

describe('encodeRestInferResponse()', () => {
  it('writes JSON data when no output is binary', () => {
    const response = encodeRestInferResponse(buildInferOutputs(answers, ['label']), { modelName: 'm', modelVersion: '3', id: 'r', binaryOutputs: new Set() });
    expect(response.headerLength).toBeUndefined();
    expect(JSON.parse(response.body.toString())).toEqual({ model_name: 'm', model_version: '3', id: 'r', outputs: [{ name: 'label', datatype: 'INT64', shape: [2], data: [1, 0] }] });
  });

  it("follows the JSON header with the binary outputs' bytes (Triton's binary-data extension)", () => {
    const response = encodeRestInferResponse(buildInferOutputs(answers, ['label', 'probabilities']), {
      modelName: 'm',
      modelVersion: '3',
      binaryOutputs: new Set(['probabilities']),
    });
    const headerLength = response.headerLength ?? 0;
    const header = JSON.parse(response.body.subarray(0, headerLength).toString()) as { outputs: object[] };
    expect(header.outputs).toEqual([
      { name: 'label', datatype: 'INT64', shape: [2], data: [1, 0] },
      { name: 'probabilities', datatype: 'FP32', shape: [2, 2], parameters: { binary_data_size: 16 } },
    ]);
    const tail = Uint8Array.from(response.body.subarray(headerLength));
    expect(Array.from(new Float32Array(tail.buffer))).toEqual([0.25, 0.75, 0.875, 0.125]);
  });
});
