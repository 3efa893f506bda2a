import type { InferTensorContents, ModelInferRequest } from '@tributary/contracts';
import { MalformedTensorError } from './errors.js';
import type { InferInputTensor } from './infer-input-tensor.js';

type NumericContents = Exclude<keyof InferTensorContents, '$typeName' | '$unknown' | 'bytesContents'>;

/** The field of `InferTensorContents` each datatype is read from (KServe v2); a Map, so "__proto__" finds nothing. */
const CONTENTS_FIELD: ReadonlyMap<string, NumericContents> = new Map([
  ['BOOL', 'boolContents'],
  ['INT8', 'intContents'],
  ['INT16', 'intContents'],
  ['INT32', 'intContents'],
  ['INT64', 'int64Contents'],
  ['UINT8', 'uintContents'],
  ['UINT16', 'uintContents'],
  ['UINT32', 'uintContents'],
  ['UINT64', 'uint64Contents'],
  ['FP32', 'fp32Contents'],
  ['FP64', 'fp64Contents'],
]);

/** The proto name of a contents field, for messages: `fp32Contents` → `fp32_contents`. */
const protoName = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The inputs of a gRPC ModelInfer request as {@link InferInputTensor}s: from
 * `raw_input_contents` (one entry per input, in order; what Triton's clients
 * send) or from each input's typed `contents`, never a mix.
 */
export function grpcInferInputs(request: ModelInferRequest): InferInputTensor[] {
  const raw = request.rawInputContents;
  if (raw.length > 0 && raw.length !== request.inputs.length) {
    throw new MalformedTensorError(
      request.inputs[0]?.name ?? '',
      `${raw.length} raw_input_contents for ${request.inputs.length} inputs; send one raw_input_contents entry per input, in input order`,
    );
  }
  return request.inputs.map((input, i) => {
    const shape = input.shape.map((dimension) => {
      const value = Number(dimension);
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new MalformedTensorError(input.name, `shape [${input.shape.join(', ')}] has a dimension that is not a count`);
      }
      return value;
    });
    const contents = input.contents;
    const populated = contents ? populatedFields(contents) : [];
    const bytes = raw[i];
    if (bytes !== undefined) {
      if (populated.length > 0) {
        throw new MalformedTensorError(input.name, 'has both raw_input_contents and typed contents; send one or the other');
      }
      return { name: input.name, datatype: input.datatype, shape, data: { raw: bytes } };
    }
    const field = CONTENTS_FIELD.get(input.datatype);
    const elsewhere = populated.find((f) => f !== field);
    if (field === undefined || contents === undefined || elsewhere !== undefined) {
      const where = elsewhere ?? populated[0];
      const hint = field ? `datatype ${input.datatype} is read from contents.${protoName(field)}` : `datatype ${JSON.stringify(input.datatype)} has no typed contents`;
      throw new MalformedTensorError(input.name, where ? `values sent in contents.${protoName(where)} but ${hint}` : `has no values; ${hint}`);
    }
    const values: ArrayLike<number | bigint | boolean> = contents[field];
    return { name: input.name, datatype: input.datatype, shape, data: { values: Array.from(values, Number) } };
  });
}

function populatedFields(contents: InferTensorContents): string[] {
  return [...new Set(CONTENTS_FIELD.values())]
    .filter((field) => contents[field].length > 0)
    .concat(contents.bytesContents.length > 0 ? ['bytesContents' as NumericContents] : []);
}
