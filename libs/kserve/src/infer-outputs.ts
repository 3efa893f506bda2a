import { UnknownOutputError } from './errors.js';
import { CONTRIBUTIONS_OUTPUT, LABEL_OUTPUT, ON_REQUEST_OUTPUT_NAMES, OUTPUT_NAMES, PROBABILITIES_OUTPUT } from './tabular-model.js';

/** One row's answer, as the serving pipeline gives it. */
export interface RowAnswer {
  /** Predicted class, 0 or 1. */
  readonly prediction: number;
  /** P(class 1). */
  readonly probability: number;
  /** The row's contributions, when it was explained (`contributions` asked for and a model answered). */
  readonly explanation?: { readonly baseValue: number; readonly contributions: Float64Array };
}

/** An output tensor ready to encode: `label` int64 [rows], `probabilities` float32 [rows, 2] or `contributions` float64 [rows, features + 1]. */
export interface InferOutputTensor {
  readonly name: string;
  readonly datatype: 'INT64' | 'FP32' | 'FP64';
  readonly shape: readonly number[];
  readonly data: BigInt64Array | Float32Array | Float64Array;
}

const KNOWN_OUTPUTS = [...OUTPUT_NAMES, ...ON_REQUEST_OUTPUT_NAMES];

/**
 * The outputs a request asks for, checked before any work is done: all of
 * them, in {@link OUTPUT_NAMES} order, when none are named.
 *
 * @throws UnknownOutputError for a name the model does not output.
 */
export function resolveOutputNames(requested: readonly string[]): readonly string[] {
  for (const name of requested) if (!KNOWN_OUTPUTS.includes(name)) throw new UnknownOutputError(name, KNOWN_OUTPUTS);
  return requested.length > 0 ? requested : OUTPUT_NAMES;
}

/**
 * The named outputs (from {@link resolveOutputNames}) built from the answers,
 * in row order. Column 0 of `probabilities` is 1 − P(class 1) in float32, as
 * the ONNX graph computes it. A row of `contributions` whose answer has no
 * explanation (the rules or the default answered) is NaN throughout.
 */
export function buildInferOutputs(answers: readonly RowAnswer[], names: readonly string[], featureCount = 0): InferOutputTensor[] {
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
    if (name === CONTRIBUTIONS_OUTPUT) {
      const width = featureCount + 1;
      const data = new Float64Array(answers.length * width).fill(Number.NaN);
      answers.forEach(({ explanation }, row) => {
        if (!explanation) return;
        data.set(explanation.contributions, row * width);
        data[row * width + featureCount] = explanation.baseValue;
      });
      return { name, datatype: 'FP64', shape: [answers.length, width], data };
    }
    throw new UnknownOutputError(name, KNOWN_OUTPUTS);
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
