import { create } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType,
  NodeProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '@tributary/contracts/onnx';

/** The value of one node attribute, tagged with its ONNX type. */
export type AttributeValue =
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly strings: readonly string[] }
  | { readonly string: string }
  | { readonly int: number }
  | { readonly tensor: TensorProto };

const utf8 = new TextEncoder();

function attribute(name: string, value: AttributeValue): AttributeProto {
  if ('ints' in value) return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: value.ints.map(BigInt) });
  if ('floats' in value) return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOATS, floats: [...value.floats] });
  if ('strings' in value) {
    return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.STRINGS, strings: value.strings.map((s) => utf8.encode(s)) });
  }
  if ('string' in value) return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.STRING, s: utf8.encode(value.string) });
  if ('int' in value) return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value.int) });
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.TENSOR, t: value.tensor });
}

/** The ONNX domain of the classical-ML operators (TreeEnsemble*, LinearClassifier). */
export const ML_DOMAIN = 'ai.onnx.ml';

/** A graph node; `domain` is empty for the default operator set. */
export function graphNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Readonly<Record<string, AttributeValue>> = {},
  domain = '',
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    domain,
    name: `${opType}_${outputs[0] ?? ''}`,
    input: [...inputs],
    output: [...outputs],
    attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
  });
}

/** A double tensor, for graph constants and `*_as_tensor` attributes. */
export function doubleTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: TensorProto_DataType.DOUBLE, doubleData: Array.from(values) });
}

/** An int64 tensor, e.g. the indices of a Gather. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: TensorProto_DataType.INT64, int64Data: values.map(BigInt) });
}

/** Declares a graph input or output: element type and shape, `null` dimensions being the dynamic batch size `N`. */
export function tensorValueInfo(
  name: string,
  elemType: TensorProto_DataType,
  dims: readonly (number | null)[],
  docString = '',
): ValueInfoProto {
  const dim = dims.map((d) => ({ value: d === null ? { case: 'dimParam' as const, value: 'N' } : { case: 'dimValue' as const, value: BigInt(d) } }));
  return create(ValueInfoProtoSchema, {
    name,
    docString,
    type: create(TypeProtoSchema, { value: { case: 'tensorType', value: { elemType, shape: { dim } } } }),
  });
}
