import { fromBinary, fromJsonString, toBinary, toJsonString } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, type Event } from '@tributary/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FLIGHTS_REPLAY_SOURCE,
  encodeFlightEvent,
  estimatedBlockTimeMs,
  readFlightEvents,
  toEventMessage,
  type FlightEvent,
} from './index.js';

describe('toEventMessage()', () => {
  let events: FlightEvent[];
  let messages: Event[];
  beforeAll(async () => {
    events = [];
    for await (const event of readFlightEvents({ maxFlights: 500 })) events.push(event);
    messages = events.map((event) => toEventMessage(event));
  });

  it('fills the envelope from the event: id, type, source, flight key as entity, event time', () => {
    for (const [i, message] of messages.entries()) {
      const event = events[i] as FlightEvent;
      expect(message).toMatchObject({ eventId: event.eventId, type: event.type, source: FLIGHTS_REPLAY_SOURCE, entityId: event.flightKey });
      expect(timestampMs(message.eventTime!)).toBe(event.eventTimeMs);
      expect(message.ingestTime).toBeUndefined();
    }
  });

  it('puts the payload case that agrees with the type', () => {
    for (const message of messages) {
      expect(message.payload.case).toBe(message.type === 'flight.departed' ? 'flightDeparted' : 'flightArrived');
    }
  });

  it('gives an arrival its departure and its estimated arrival time', () => {
    const arrival = messages.find((m) => m.payload.case === 'flightArrived');
    const departure = messages.find((m) => m.payload.case === 'flightDeparted' && m.entityId === arrival?.entityId);
    if (arrival?.payload.case !== 'flightArrived' || departure?.payload.case !== 'flightDeparted') {
      throw new Error('the slice has no complete flight');
    }
    const { departureTime, arrivalTime } = arrival.payload.value;
    expect(timestampMs(departureTime!)).toBe(timestampMs(departure.eventTime!));
    expect(timestampMs(arrivalTime!)).toBe(timestampMs(arrival.eventTime!));
    expect(timestampMs(arrivalTime!) - timestampMs(departureTime!)).toBe(estimatedBlockTimeMs(departure.payload.value.distanceMiles));
  });

  it('survives binary and JSON round trips unchanged', () => {
    for (const message of messages.slice(0, 50)) {
      expect(fromBinary(EventSchema, toBinary(EventSchema, message))).toEqual(message);
      expect(fromJsonString(EventSchema, toJsonString(EventSchema, message))).toEqual(message);
    }
  });

  it('takes another source when asked', () => {
    expect(toEventMessage(events[0] as FlightEvent, { source: '/tests' }).source).toBe('/tests');
  });
});

describe('encodeFlightEvent()', () => {
  it('writes the event message as protobuf or as JSON, with the matching content type', async () => {
    let event: FlightEvent | undefined;
    for await (const first of readFlightEvents({ maxFlights: 1 })) event = first;
    if (!event) throw new Error('no event');
    const binary = encodeFlightEvent(event, 'protobuf');
    const json = encodeFlightEvent(event, 'json');
    expect(binary.contentType).toBe('application/protobuf');
    expect(json.contentType).toBe('application/json');
    expect(fromBinary(EventSchema, binary.value)).toEqual(toEventMessage(event));
    expect(fromJsonString(EventSchema, new TextDecoder().decode(json.value))).toEqual(toEventMessage(event));
  });
});
