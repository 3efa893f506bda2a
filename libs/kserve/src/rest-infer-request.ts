import { MalformedInferBodyError } from './errors.js';
import type { InferInputTensor } from './infer-input-tensor.js';

/** A REST inference request (KServe v2 JSON, with Triton's binary-data extension) read into its parts. */
export interface RestInferRequest {
  /** The request's `id`, echoed in the response. */
  readonly id?: string;
  readonly inputs: readonly InferInputTensor[];
  /** Names of the outputs asked for; empty means all. */
  readonly outputNames: readonly string[];
  /** Outputs to answer as binary data rather than JSON `data`. */
  readonly binaryOutputs: ReadonlySet<string> | 'all';
  /** Triton's `timeout` parameter (microseconds), when the client set one. */
  readonly timeoutUs?: number;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a REST inference body. With `headerLength` (Triton's
 * `Inference-Header-Content-Length`), the first `headerLength` bytes are the
 * JSON request and the rest holds the binary data of the inputs whose
 * `parameters.binary_data_size` says how many bytes are theirs, in input
 * order; every byte must belong to one. Without it the whole body is JSON and
 * each input carries `data` (flat or nested row-major). Outputs go binary
 * when the request sets `parameters.binary_data_output` or an output sets
 * `parameters.binary_data`.
 *
 * @throws MalformedInferBodyError naming what does not add up.
 */
export function parseRestInferRequest(body: Uint8Array, headerLength?: number): RestInferRequest {
  if (headerLength !== undefined && (!Number.isSafeInteger(headerLength) || headerLength < 0 || headerLength > body.byteLength)) {
    throw new MalformedInferBodyError(`Inference-Header-Content-Length ${headerLength} does not fit a body of ${body.byteLength} bytes`);
  }
  const jsonEnd = headerLength ?? body.byteLength;
  let request: unknown;
  try {
    request = JSON.parse(Buffer.from(body.buffer, body.byteOffset, jsonEnd).toString('utf8'));
  } catch (error) {
    throw new MalformedInferBodyError(`not JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(request)) throw new MalformedInferBodyError('send a JSON object with an "inputs" array');
  const { id, inputs, outputs, parameters } = request;
  if (id !== undefined && typeof id !== 'string') throw new MalformedInferBodyError('"id" must be a string');
  if (!Array.isArray(inputs)) throw new MalformedInferBodyError('"inputs" must be an array of tensors');
  if (outputs !== undefined && !Array.isArray(outputs)) throw new MalformedInferBodyError('"outputs" must be an array');
  if (parameters !== undefined && !isObject(parameters)) throw new MalformedInferBodyError('"parameters" must be an object');

  let offset = jsonEnd;
  const tensors = inputs.map((input: unknown, index): InferInputTensor => {
    const tensor = readTensorHeader(input, index);
    const size = tensor.parameters?.['binary_data_size'];
    if (size !== undefined) {
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        throw new MalformedInferBodyError(`input "${tensor.name}": binary_data_size must be a byte count`);
      }
      if (headerLength === undefined) {
        throw new MalformedInferBodyError(`input "${tensor.name}" has binary_data_size but the request has no Inference-Header-Content-Length header`);
      }
      if (offset + size > body.byteLength) {
        throw new MalformedInferBodyError(`input "${tensor.name}": binary_data_size ${size} runs past the end of the body (${body.byteLength - offset} bytes left)`);
      }
      const raw = body.subarray(offset, offset + size);
      offset += size;
      return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, data: { raw } };
    }
    if (tensor.data === undefined) throw new MalformedInferBodyError(`input "${tensor.name}" has neither "data" nor binary_data_size`);
    return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, data: { values: flatten(tensor.name, tensor.data) } };
  });
  if (offset !== body.byteLength) {
    throw new MalformedInferBodyError(`${body.byteLength - offset} bytes after the JSON header belong to no input; set binary_data_size on each binary input`);
  }

  const outputNames: string[] = [];
  const binary = new Set<string>();
  for (const output of outputs ?? []) {
    if (!isObject(output) || typeof output['name'] !== 'string') throw new MalformedInferBodyError('each output must be an object with a "name"');
    outputNames.push(output['name']);
    if (isObject(output['parameters']) && output['parameters']['binary_data'] === true) binary.add(output['name']);
  }
  const timeout = parameters?.['timeout'];
  return {
    ...(id === undefined ? {} : { id }),
    inputs: tensors,
    outputNames,
    binaryOutputs: parameters?.['binary_data_output'] === true ? 'all' : binary,
    ...(typeof timeout === 'number' && timeout > 0 ? { timeoutUs: timeout } : {}),
  };
}

interface TensorHeader {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly parameters?: Json;
  readonly data?: unknown;
}

function readTensorHeader(input: unknown, index: number): TensorHeader {
  if (!isObject(input)) throw new MalformedInferBodyError(`input ${index} must be an object with name, datatype and shape`);
  const { name, datatype, shape, parameters, data } = input;
  if (typeof name !== 'string') throw new MalformedInferBodyError(`input ${index} has no "name"`);
  if (typeof datatype !== 'string') throw new MalformedInferBodyError(`input "${name}" has no "datatype"`);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new MalformedInferBodyError(`input "${name}": "shape" must be an array of counts`);
  }
  if (parameters !== undefined && !isObject(parameters)) throw new MalformedInferBodyError(`input "${name}": "parameters" must be an object`);
  return { name, datatype, shape: shape as number[], ...(parameters === undefined ? {} : { parameters }), ...(data === undefined ? {} : { data }) };
}

/** Row-major values of flat or nested `data`; anything but numbers is refused here. */
function flatten(name: string, data: unknown): number[] {
  const values: number[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === 'number') values.push(value);
    else if (Array.isArray(value) && depth < 8) for (const item of value) visit(item, depth + 1);
    else throw new MalformedInferBodyError(`input "${name}": "data" must hold numbers (flat or nested arrays), got ${JSON.stringify(value)?.slice(0, 40)}`);
  };
  visit(data, 0);
  return values;
}
