import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ModelInferResponseSchema } from '@tributary/contracts';
import { tensorBytes, type InferOutputTensor } from './infer-outputs.js';

type ResponseInit = MessageInitShape<typeof ModelInferResponseSchema>;

/**
 * Outputs as the gRPC response carries them: in `raw_output_contents` (what
 * Triton's clients read; chosen when the request sent raw inputs) or as typed
 * contents (readable in grpcurl and KServe's typed clients).
 */
export function grpcInferOutputs(
  outputs: readonly InferOutputTensor[],
  raw: boolean,
): Required<Pick<ResponseInit, 'outputs' | 'rawOutputContents'>> {
  return {
    outputs: outputs.map((tensor) => ({
      name: tensor.name,
      datatype: tensor.datatype,
      shape: tensor.shape.map(BigInt),
      ...(raw ? {} : { contents: typedContents(tensor) }),
    })),
    rawOutputContents: raw ? outputs.map(tensorBytes) : [],
  };
}

function typedContents(tensor: InferOutputTensor): { int64Contents: bigint[] } | { fp32Contents: number[] } | { fp64Contents: number[] } {
  if (tensor.data instanceof BigInt64Array) return { int64Contents: Array.from(tensor.data) };
  return tensor.data instanceof Float64Array ? { fp64Contents: Array.from(tensor.data) } : { fp32Contents: Array.from(tensor.data) };
}
