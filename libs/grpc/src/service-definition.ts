import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService, type Message } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

const definitions = new WeakMap<DescService, ServiceDefinition>();

/** The HTTP/2 path of a method: `/<package>.<Service>/<Method>`. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/**
 * Encodes messages of `schema`; accepts a message or its init shape. The
 * Buffer shares the encoded bytes instead of copying them.
 */
export function createSerializer(schema: DescMessage): (value: object) => Buffer {
  return (value) => {
    const bytes = toBinary(schema, create(schema, value as Message));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/** Decodes messages of `schema`. */
export function createDeserializer(schema: DescMessage): (bytes: Buffer) => Message {
  return (bytes) => fromBinary(schema, bytes);
}

/**
 * A @grpc/grpc-js service definition for a protobuf-es service descriptor,
 * keyed by method name, with protobuf-es binary serializers. Built once per
 * descriptor.
 */
export function createServiceDefinition(service: DescService): ServiceDefinition {
  let definition = definitions.get(service);
  if (!definition) {
    const methods: Record<string, MethodDefinition<object, object>> = {};
    for (const method of service.methods) {
      const entry: MethodDefinition<object, Message> = {
        path: methodPath(method),
        originalName: method.localName,
        requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
        responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
        requestSerialize: createSerializer(method.input),
        requestDeserialize: createDeserializer(method.input),
        responseSerialize: createSerializer(method.output),
        responseDeserialize: createDeserializer(method.output),
      };
      methods[method.name] = entry as MethodDefinition<object, object>;
    }
    definition = methods;
    definitions.set(service, definition);
  }
  return definition;
}
