import { MalformedTensorError, NonFiniteFeatureError } from './errors.js';
import type { InferInputTensor } from './infer-input-tensor.js';
import { FEATURES_INPUT, type TabularModel } from './tabular-model.js';

/** Rows of features in the model's order, row-major. */
export interface FeatureRows {
  readonly rowCount: number;
  readonly featureCount: number;
  /** `rowCount × featureCount` float32 values (the model's input type); NaN marks a missing value. */
  readonly values: Float32Array;
}

/** Options of {@link decodeFeatureRows}. */
export interface DecodeFeatureRowsOptions {
  /** Most rows one request may carry; bounds the memory a request can take. Default 10 000. */
  readonly maxRows?: number;
}

const BYTES_PER_VALUE: ReadonlyMap<string, number> = new Map([
  ['FP32', 4],
  ['FP64', 8],
]);

/**
 * Reads the one input a Tributary model takes — `features`, FP32 or FP64,
 * shape [rows, features] — into rows, checking that name, datatype, shape and
 * contents agree and that no value is ±Infinity or beyond float32's range
 * (NaN is a missing value, as in training). Everything the caller got wrong is a
 * {@link MalformedTensorError} or {@link NonFiniteFeatureError} saying what to
 * send instead.
 */
export function decodeFeatureRows(
  inputs: readonly InferInputTensor[],
  model: TabularModel,
  options: DecodeFeatureRowsOptions = {},
): FeatureRows {
  const featureCount = model.featureNames.length;
  const expected = `one FP32 tensor "${FEATURES_INPUT}" of shape [rows, ${featureCount}]`;
  const [input, ...others] = inputs;
  if (input === undefined) throw new MalformedTensorError(FEATURES_INPUT, `missing; send ${expected}`);
  if (others.length > 0 || input.name !== FEATURES_INPUT) {
    const names = inputs.map((i) => `"${i.name}"`).join(', ');
    throw new MalformedTensorError(input.name, `model "${model.name}" takes ${expected}, got inputs ${names}`);
  }
  const bytesPerValue = BYTES_PER_VALUE.get(input.datatype);
  if (bytesPerValue === undefined) {
    throw new MalformedTensorError(input.name, `datatype ${JSON.stringify(input.datatype)} is not accepted; send FP32 (or FP64)`);
  }
  const [rowCount, columns, ...extra] = input.shape;
  if (rowCount === undefined || columns === undefined || extra.length > 0) {
    throw new MalformedTensorError(input.name, `shape [${input.shape.join(', ')}] has ${input.shape.length} dimensions; send [rows, ${featureCount}]`);
  }
  if (columns !== featureCount) {
    throw new MalformedTensorError(
      input.name,
      `shape [${input.shape.join(', ')}] has ${columns} features per row; model "${model.name}" takes ${featureCount} (${model.featureNames.join(', ')})`,
    );
  }
  const maxRows = options.maxRows ?? 10_000;
  if (!Number.isSafeInteger(rowCount) || rowCount < 1 || rowCount > maxRows) {
    throw new MalformedTensorError(input.name, `shape [${input.shape.join(', ')}] has ${rowCount} rows; send 1 to ${maxRows} rows per request`);
  }
  const count = rowCount * featureCount;
  const values = 'raw' in input.data ? fromRaw(input, input.data.raw, bytesPerValue, count) : fromTyped(input, input.data.values, count);
  const rows = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const value = values[i] as number;
    rows[i] = value;
    if (rows[i] === Infinity || rows[i] === -Infinity) {
      throw new NonFiniteFeatureError(input.name, Math.floor(i / featureCount), model.featureNames[i % featureCount] as string, value);
    }
  }
  return { rowCount, featureCount, values: rows };
}

function fromRaw(input: InferInputTensor, raw: Uint8Array, bytesPerValue: number, count: number): Float64Array {
  if (raw.byteLength !== count * bytesPerValue) {
    throw new MalformedTensorError(
      input.name,
      `${raw.byteLength} raw bytes do not fit shape [${input.shape.join(', ')}] of ${input.datatype}; send ${count * bytesPerValue} bytes (${count} values × ${bytesPerValue})`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = bytesPerValue === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
  return values;
}

function fromTyped(input: InferInputTensor, typed: ArrayLike<number>, count: number): Float64Array {
  if (typed.length !== count) {
    throw new MalformedTensorError(
      input.name,
      `${typed.length} values do not fit shape [${input.shape.join(', ')}]; send ${count} values in row-major order`,
    );
  }
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const value = typed[i];
    if (typeof value !== 'number') throw new MalformedTensorError(input.name, `value ${i} is ${JSON.stringify(value)}; send numbers`);
    values[i] = value;
  }
  return values;
}
