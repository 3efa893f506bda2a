/**
 * One input tensor of an inference request, whichever way it arrived: gRPC
 * typed contents, gRPC `raw_input_contents`, REST JSON `data` or REST binary
 * data. {@link decodeFeatureRows} validates it against the model.
 */
export interface InferInputTensor {
  readonly name: string;
  /** KServe datatype as sent, e.g. "FP32". */
  readonly datatype: string;
  readonly shape: readonly number[];
  /** Typed values in row-major order, or raw little-endian row-major bytes. */
  readonly data: { readonly values: ArrayLike<number> } | { readonly raw: Uint8Array };
}
