import { fromBinary, fromJsonString } from '@bufbuild/protobuf';
import { EventSchema, type Event } from '@tributary/contracts';
import { RejectReason, reject, type Rejection } from './rejection.js';

/** How a raw record's value is encoded. */
export type WireFormat = 'json' | 'protobuf';

/** The outcome of {@link decodeEvent}. */
export type DecodeResult =
  | { readonly ok: true; readonly event: Event; readonly format: WireFormat }
  | { readonly ok: false; readonly rejection: Rejection };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const OPEN_BRACE = 0x7b;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The wire format of a value: from its content type when it names one
 * (`application/json`, any `+json`; `application/protobuf`, `x-protobuf`,
 * `vnd.google.protobuf`, `octet-stream`), otherwise sniffed: a value whose
 * first non-blank byte is `{` is JSON. (An encoded `Event` never starts with
 * `{`: as a tag, that byte is field 15 of wire type group, which `Event` lacks.)
 */
export function wireFormatOf(value: Uint8Array, contentType?: string): WireFormat {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return 'json';
  if (/^application\/(x-|vnd\.google\.)?protobuf$|^application\/octet-stream$/.test(mediaType)) return 'protobuf';
  for (const byte of value) {
    if (!WHITESPACE.has(byte)) return byte === OPEN_BRACE ? 'json' : 'protobuf';
  }
  return 'protobuf';
}

/**
 * Decodes a raw record's value into a `tributary.v1.Event`: protobuf binary,
 * or the protobuf JSON mapping (camelCase or proto field names, RFC 3339
 * timestamps; unknown fields are refused). Never throws: a value that is not
 * an event is a {@link Rejection} with reason `decode.malformed`.
 */
export function decodeEvent(value: Uint8Array, contentType?: string): DecodeResult {
  const format = wireFormatOf(value, contentType);
  try {
    const event = format === 'json' ? fromJsonString(EventSchema, utf8.decode(value)) : fromBinary(EventSchema, value);
    return { ok: true, event, format };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, rejection: reject(RejectReason.malformed, `not a tributary.v1.Event in ${format}: ${message}`) };
  }
}
