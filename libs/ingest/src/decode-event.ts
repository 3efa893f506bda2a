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
 * `{`: as a tag, that byte is field 15 of wire type group, which `Event`
 * lacks. It may start with a newline, though, the tag of `event_id`, and then
 * a `{`: {@link decodeEvent} corrects such a guess.)
 */
export function wireFormatOf(value: Uint8Array, contentType?: string): WireFormat {
  return declaredWireFormat(contentType) ?? sniffedWireFormat(value);
}

function declaredWireFormat(contentType: string | undefined): WireFormat | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return 'json';
  if (/^application\/(x-|vnd\.google\.)?protobuf$|^application\/octet-stream$/.test(mediaType)) return 'protobuf';
  return undefined;
}

function sniffedWireFormat(value: Uint8Array): WireFormat {
  for (const byte of value) {
    if (!WHITESPACE.has(byte)) return byte === OPEN_BRACE ? 'json' : 'protobuf';
  }
  return 'protobuf';
}

/**
 * Decodes a raw record's value into a `tributary.v1.Event`: protobuf binary,
 * or the protobuf JSON mapping (camelCase or proto field names, RFC 3339
 * timestamps; unknown fields are refused). Without a content type that names
 * the format, the value is sniffed, and when it does not decode as guessed it
 * is tried as the other format. Never throws: a value that is not an event is
 * a {@link Rejection} with reason `decode.malformed`.
 */
export function decodeEvent(value: Uint8Array, contentType?: string): DecodeResult {
  const declared = declaredWireFormat(contentType);
  const format = declared ?? sniffedWireFormat(value);
  const decoded = decodeAs(value, format);
  if (decoded.ok || declared) return decoded;
  // A sniffed guess can be wrong: 0x0a, the tag of event_id, is also a newline the sniffer skips,
  // so an event whose id is 123 bytes long ("\n{…") looks like JSON. The other format decides.
  const other = decodeAs(value, format === 'json' ? 'protobuf' : 'json');
  return other.ok ? other : decoded;
}

function decodeAs(value: Uint8Array, format: WireFormat): DecodeResult {
  try {
    const event = format === 'json' ? fromJsonString(EventSchema, utf8.decode(value)) : fromBinary(EventSchema, value);
    return { ok: true, event, format };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, rejection: reject(RejectReason.malformed, `not a tributary.v1.Event in ${format}: ${message}`) };
  }
}
