import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

/** How a topic's values turn into record bytes and back. */
export interface ValueCodec<T> {
  /** MIME type written to the `content-type` header. */
  readonly contentType: string;
  /** Name of the value type, for logs, errors and span attributes (e.g. `tributary.v1.Event`). */
  readonly typeName: string;
  encode(value: T): Uint8Array;
  /** Throws when the bytes are not a value of this type. */
  decode(bytes: Uint8Array): T;
}

/** Protobuf binary encoding of a protobuf-es v2 message schema (`application/protobuf`). */
export function createProtobufCodec<Desc extends DescMessage>(schema: Desc): ValueCodec<MessageShape<Desc>> {
  return {
    contentType: 'application/protobuf',
    typeName: schema.typeName,
    encode: (value) => toBinary(schema, value),
    decode: (bytes) => fromBinary(schema, bytes),
  };
}

/** Options of {@link createBytesCodec}. */
export interface BytesCodecOptions {
  /** MIME type of the bytes. Default `application/octet-stream`. */
  readonly contentType?: string;
}

/**
 * Values passed through as they are: for topics whose bytes are someone else's
 * format (raw producer events, dead letters).
 */
export function createBytesCodec(options: BytesCodecOptions = {}): ValueCodec<Uint8Array> {
  return {
    contentType: options.contentType ?? 'application/octet-stream',
    typeName: 'bytes',
    encode: (value) => value,
    decode: (bytes) => bytes,
  };
}
