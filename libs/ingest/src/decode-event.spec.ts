import { describe, expect, it } from 'vitest';
import { arrivedMessage, asJson, asProtobuf } from './testing/flight-messages.js';
import { RejectReason, decodeEvent, wireFormatOf } from './index.js';

describe('wireFormatOf()', () => {
  it('follows the content type when it names a format', () => {
    const bytes = new Uint8Array([0x7b]);
    expect(wireFormatOf(bytes, 'application/protobuf')).toBe('protobuf');
    expect(wireFormatOf(bytes, 'application/x-protobuf')).toBe('protobuf');
    expect(wireFormatOf(new Uint8Array([0x0a]), 'application/json; charset=utf-8')).toBe('json');
    expect(wireFormatOf(new Uint8Array([0x0a]), 'application/cloudevents+json')).toBe('json');
  });

  it('sniffs a leading brace, after blanks, as JSON and anything else as protobuf', () => {
    expect(wireFormatOf(new TextEncoder().encode('  \n{"a":1}'))).toBe('json');
    expect(wireFormatOf(new Uint8Array([0x0a, 0x03]), 'text/plain')).toBe('protobuf');
  });
});

describe('decodeEvent()', () => {
  const event = arrivedMessage();

  it('decodes the protobuf JSON mapping and the binary form to the same event', () => {
    const fromJson = decodeEvent(asJson(event), 'application/json');
    const fromBinary = decodeEvent(asProtobuf(event));
    expect(fromJson).toEqual({ ok: true, event, format: 'json' });
    expect(fromBinary).toEqual({ ok: true, event, format: 'protobuf' });
  });

  it('accepts proto field names in JSON', () => {
    const json = `{"event_id":"e1","type":"flight.arrived","entity_id":"k","event_time":"2001-01-01T00:00:00Z"}`;
    const decoded = decodeEvent(new TextEncoder().encode(json));
    expect(decoded.ok && decoded.event.entityId).toBe('k');
  });

  it('rejects JSON that does not fit the contract with a reason', () => {
    for (const json of ['{"eventId": 1', '{"eventId":"e","colour":"red"}', '{"eventTime":"yesterday"}', '[1,2]']) {
      const decoded = decodeEvent(new TextEncoder().encode(json), 'application/json');
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) expect(decoded.rejection.reason).toBe(RejectReason.malformed);
    }
  });

  it('rejects bytes that are not UTF-8 when they claim to be JSON', () => {
    const decoded = decodeEvent(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(decoded).toMatchObject({ ok: false, rejection: { reason: RejectReason.malformed } });
  });

  it('decodes a protobuf event sent without content type whose 123-character id makes it look like JSON (found by fuzzing)', () => {
    // The bytes start "\n{": event_id's tag, a newline to the sniffer, then the length 123, a brace.
    const longId = { ...event, eventId: 'x'.repeat(123) };
    const bytes = asProtobuf(longId);
    expect([...bytes.subarray(0, 2)]).toEqual([0x0a, 0x7b]);
    expect(decodeEvent(bytes)).toEqual({ ok: true, event: longId, format: 'protobuf' });
    // A declared format is not second-guessed.
    expect(decodeEvent(bytes, 'application/json')).toMatchObject({ ok: false, rejection: { reason: RejectReason.malformed } });
  });

  it('rejects a truncated protobuf', () => {
    const bytes = asProtobuf(event);
    const decoded = decodeEvent(bytes.subarray(0, bytes.length - 3), 'application/protobuf');
    expect(decoded).toMatchObject({ ok: false, rejection: { reason: RejectReason.malformed } });
  });
});
