import { create, fromJson, toJson } from '@bufbuild/protobuf';
import { StructSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';
import { EventSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { createBytesCodec, createProtobufCodec, topics } from './index.js';

describe('createProtobufCodec()', () => {
  it('round-trips a message through protobuf binary', () => {
    const codec = createProtobufCodec(StructSchema);
    const value = fromJson(StructSchema, { airport: 'SFO', delays: [3, 17], late: true });
    const decoded = codec.decode(codec.encode(value));
    expect(toJson(StructSchema, decoded)).toEqual({ airport: 'SFO', delays: [3, 17], late: true });
    expect(codec).toMatchObject({ contentType: 'application/protobuf', typeName: 'google.protobuf.Struct' });
  });

  it('throws on bytes that are not a message of the schema', () => {
    const codec = createProtobufCodec(TimestampSchema);
    expect(() => codec.decode(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow();
  });
});

describe('createBytesCodec()', () => {
  it('passes bytes through and states the content type', () => {
    const codec = createBytesCodec({ contentType: 'application/json' });
    const bytes = new TextEncoder().encode('{"a":1}');
    expect(codec.decode(codec.encode(bytes))).toBe(bytes);
    expect(codec.contentType).toBe('application/json');
  });
});

describe('topics', () => {
  it('encodes events.validated values as tributary.v1.Event', () => {
    const event = create(EventSchema, { eventId: 'e-1', type: 'flight.departed', entityId: 'SFO' });
    const { codec } = topics.eventsValidated;
    expect(codec.typeName).toBe('tributary.v1.Event');
    expect(codec.decode(codec.encode(event))).toMatchObject({ eventId: 'e-1', type: 'flight.departed', entityId: 'SFO' });
  });
});
