import { UnknownOutputError } from './errors.js';
import { LABEL_OUTPUT, OUTPUT_NAMES, PROBABILITIES_OUTPUT } from './tabular-model.js';

/** One row's answer, as the serving pipeline gives it. */
export interface RowAnswer {
  /** Predicted class, 0 or 1. */
  readonly prediction: number;
  /** P(class 1). */
  readonly probability: number;
}

/** An output tensor ready to encode: `label` int64 [rows] or `probabilities` float32 [rows, 2]. */
export interface InferOutputTensor {
  readonly name: string;
  readonly datatype: 'INT64' | 'FP32';
  readonly shape: readonly number[];
  readonly data: BigInt64Array | Float32Array;
}

/**
 * The outputs a request asks for, checked before any work is done: all of
 * them, in {@link OUTPUT_NAMES} order, when none are named.
 *
 * @throws UnknownOutputError for a name the model does not output.
 */
export function resolveOutputNames(requested: readonly string[]): readonly string[] {
  for (const name of requested) if (!OUTPUT_NAMES.includes(name)) throw new UnknownOutputError(name, OUTPUT_NAMES);
  return requested.length > 0 ? requested : OUTPUT_NAMES;
}

/**
 * The named outputs (from {@link resolveOutputNames}) built from the answers,
 * in row order. Column 0 of `probabilities` is 1 − P(class 1) in float32, as
 * the ONNX graph computes it.
 */
export function buildInferOutputs(answers: readonly RowAnswer[], names: readonly string[]): InferOutputTensor[] {
  return names.map((name) => {
    if (name === LABEL_OUTPUT) {
      return { name, datatype: 'INT64', shape: [answers.length], data: BigInt64Array.from(answers, (a) => BigInt(a.prediction)) };
    }
    if (name === PROBABILITIES_OUTPUT) {
      const data = new Float32Array(answers.length * 2);
      answers.forEach((answer, row) => {
        data[row * 2] = 1 - answer.probability;
        data[row * 2 + 1] = answer.probability;
      });
      return { name, datatype: 'FP32', shape: [answers.length, 2], data };
    }
    throw new UnknownOutputError(name, OUTPUT_NAMES);
  });
}

/**
 * A tensor's values as raw little-endian bytes (the layout of
 * `raw_output_contents` and of REST binary data). Every platform Node runs
 * on is little-endian, so the typed array's memory is that layout already.
 */
export function tensorBytes(tensor: InferOutputTensor): Uint8Array {
  return new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
}
