import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { StringStringEntryProtoSchema } from '@tributary/contracts/onnx';
import { ModelFormatError } from '../errors.js';
import { ONNX_METADATA_KEYS } from './export-onnx.js';

/** The metadata {@link exportOnnx} writes, read back. */
export interface OnnxModelMetadata {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly modelKind: string;
  /** Input columns in order. */
  readonly features: readonly { readonly name: string; readonly categorical: boolean }[];
  readonly trainingWindow: { readonly start: string; readonly end: string };
  readonly createdAt: string;
  /** Every metadata prop, the standard ones included. */
  readonly props: Readonly<Record<string, string>>;
}

/**
 * Reads the metadata props of an exported ONNX file, e.g. so the inference
 * service knows the feature order of the model it loads. Throws
 * {@link ModelFormatError} when the bytes are not ONNX or lack a standard prop.
 */
export function readOnnxMetadata(bytes: Uint8Array): OnnxModelMetadata {
  let props: Record<string, string>;
  try {
    props = metadataProps(bytes);
  } catch (error) {
    throw new ModelFormatError('not an ONNX model', error);
  }
  const get = (key: string): string => {
    const value = props[key];
    if (value === undefined) throw new ModelFormatError(`ONNX metadata has no ${key}`);
    return value;
  };
  const json = <T>(key: string): T => {
    try {
      return JSON.parse(get(key)) as T;
    } catch (error) {
      if (error instanceof ModelFormatError) throw error;
      throw new ModelFormatError(`ONNX metadata ${key} is not JSON`, error);
    }
  };
  return {
    modelName: get(ONNX_METADATA_KEYS.modelName),
    modelVersion: get(ONNX_METADATA_KEYS.modelVersion),
    modelKind: get(ONNX_METADATA_KEYS.modelKind),
    features: json(ONNX_METADATA_KEYS.features),
    trainingWindow: json(ONNX_METADATA_KEYS.trainingWindow),
    createdAt: get(ONNX_METADATA_KEYS.createdAt),
    props,
  };
}

/** `ModelProto.metadata_props`, field 14 of onnx.proto. */
const METADATA_PROPS_FIELD = 14;

/**
 * The `metadata_props` of a `ModelProto`, read field by field at its top level:
 * every other field, the graph with its hundreds of trees above all, is
 * skipped by its length instead of decoded. Decoding the whole model took
 * about 0.3 s of the loading thread for the flights GBDT — in the inference
 * service, a stall of every request at each model load.
 */
function metadataProps(bytes: Uint8Array): Record<string, string> {
  const props: Record<string, string> = {};
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === METADATA_PROPS_FIELD && wireType === WireType.LengthDelimited) {
      const entry = fromBinary(StringStringEntryProtoSchema, reader.bytes());
      props[entry.key] = entry.value;
    } else {
      reader.skip(wireType, field);
    }
  }
  return props;
}
