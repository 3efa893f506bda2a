import { tensorBytes, type InferOutputTensor } from './infer-outputs.js';

/** What a REST inference response says besides its tensors. */
export interface RestInferResponseOptions {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly id?: string;
  /** Response parameters, e.g. which tier served the rows. */
  readonly parameters?: Readonly<Record<string, string | number | boolean>>;
  /** Outputs sent as binary data (Triton's extension); the others carry JSON `data`. */
  readonly binaryOutputs: ReadonlySet<string> | 'all';
}

/** An encoded REST inference response. */
export interface RestInferResponse {
  readonly body: Buffer;
  /** Set when binary data follows the JSON: the `Inference-Header-Content-Length` header's value. */
  readonly headerLength?: number;
}

/**
 * Encodes a KServe v2 REST response: all JSON, or JSON followed by the binary
 * outputs' bytes in output order, each output saying its
 * `parameters.binary_data_size` (Triton's binary-data extension).
 */
export function encodeRestInferResponse(outputs: readonly InferOutputTensor[], options: RestInferResponseOptions): RestInferResponse {
  const binary: Uint8Array[] = [];
  const jsonOutputs = outputs.map((tensor) => {
    const header = { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape };
    if (options.binaryOutputs === 'all' || options.binaryOutputs.has(tensor.name)) {
      const bytes = tensorBytes(tensor);
      binary.push(bytes);
      return { ...header, parameters: { binary_data_size: bytes.byteLength } };
    }
    return { ...header, data: Array.from(tensor.data, Number) };
  });
  const json = Buffer.from(
    JSON.stringify({
      model_name: options.modelName,
      model_version: options.modelVersion,
      ...(options.id === undefined ? {} : { id: options.id }),
      ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
      outputs: jsonOutputs,
    }),
  );
  if (binary.length === 0) return { body: json };
  return { body: Buffer.concat([json, ...binary]), headerLength: json.byteLength };
}
