import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, FlightArrivedSchema } from '@tributary/contracts';
import { payloadJson } from '@tributary/ingest';
import { describe, expect, it } from 'vitest';
import { featureEventOf, featureEventOfRow } from './feature-events.js';

const arrivalMs = Date.UTC(2001, 0, 3, 10, 17, 30);
const event = create(EventSchema, {
  eventId: 'e-1',
  type: 'flight.arrived',
  entityId: '20010103T0900-ORD-LAX-1',
  eventTime: timestampFromMs(arrivalMs),
  payload: {
    case: 'flightArrived',
    value: create(FlightArrivedSchema, { flightKey: '20010103T0900-ORD-LAX-1', origin: 'ORD', destination: 'LAX', arrivalDelayMinutes: 0, departureTime: timestampFromMs(arrivalMs - 4_000_000) }),
  },
});

describe('featureEventOf()', () => {
  it('takes the event time and the payload\'s string and number fields, a zero delay included', () => {
    expect(featureEventOf(event)).toEqual({
      id: 'e-1',
      type: 'flight.arrived',
      timeMs: arrivalMs,
      fields: { flightKey: '20010103T0900-ORD-LAX-1', origin: 'ORD', destination: 'LAX', arrivalDelayMinutes: 0 },
    });
  });
});

describe('featureEventOfRow()', () => {
  it('reads the same fields from the JSON payload ingestion writes to the raw table', () => {
    const row = { eventId: 'e-1', type: 'flight.arrived', eventTimeMs: arrivalMs, payloadJson: payloadJson(event) };
    expect(featureEventOfRow(row)).toEqual(featureEventOf(event));
  });

  it('gives no fields for an unreadable payload or an unknown type', () => {
    expect(featureEventOfRow({ eventId: 'x', type: 'flight.arrived', eventTimeMs: 1, payloadJson: 'not json' }).fields).toEqual({});
    expect(featureEventOfRow({ eventId: 'x', type: 'gate.changed', eventTimeMs: 1, payloadJson: '{"gate":"B2"}' }).fields).toEqual({});
  });
});
