import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, type Event } from '@tributary/contracts';
import { ARRIVAL_DELAY_MINUTES_RANGE, DISTANCE_MILES_RANGE, FLIGHT_ARRIVED, FLIGHT_DEPARTED, arrivedEvent, departedEvent, toEventMessage, type Flight } from '@tributary/flights';
import fc from 'fast-check';

/** Characters of an IATA code; a string of units, which fast-check builds much faster than from a regular expression. */
const IATA_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const airport = fc.string({ unit: fc.constantFrom(...IATA_CHARACTERS), minLength: 3, maxLength: 3 });

/** A plausible flight of 2001 (any airports, delay and distance within the schemas' ranges). */
export function flightArbitrary(): fc.Arbitrary<Flight> {
  return fc
    .record({
      origin: airport,
      destination: airport,
      departureTimeMs: fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2001, 6, 1) - 1 }).map((ms) => ms - (ms % 60_000)),
      arrivalDelayMinutes: fc.integer({ min: ARRIVAL_DELAY_MINUTES_RANGE.min, max: ARRIVAL_DELAY_MINUTES_RANGE.max }),
      distanceMiles: fc.integer({ min: DISTANCE_MILES_RANGE.min, max: DISTANCE_MILES_RANGE.max }),
      n: fc.nat({ max: 9 }),
    })
    .map(({ n, ...f }) => ({ ...f, flightKey: `${new Date(f.departureTimeMs).toISOString().slice(0, 16)}-${f.origin}-${f.destination}-${n}` }));
}

/**
 * A valid `flight.departed` or `flight.arrived` event, as a producer sends it.
 * `eventId` replaces the flights' deterministic id when given, so a test can
 * keep the ids of valid events apart from those of generated garbage.
 */
export function validFlightEventArbitrary(eventId?: fc.Arbitrary<string>): fc.Arbitrary<Event> {
  return fc.tuple(flightArbitrary(), fc.boolean(), eventId ?? fc.constant(undefined)).map(([flight, departed, id]) => {
    const event = toEventMessage(departed ? departedEvent(flight) : arrivedEvent(flight));
    return id === undefined ? event : create(EventSchema, { ...event, eventId: id });
  });
}

/**
 * Any `tributary.v1.Event` a client could build: every field of the envelope
 * and the payloads generated freely (empty, huge, negative, far-away times,
 * mismatched payloads), with some valid events among them.
 */
export function anyEventArbitrary(text: fc.Arbitrary<string>): fc.Arbitrary<Event> {
  const timestamp = fc.option(
    fc.oneof(
      fc.record({ seconds: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), nanos: fc.integer() }),
      fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => {
        const { seconds, nanos } = timestampFromMs(ms);
        return { seconds, nanos };
      }),
    ),
    { nil: undefined },
  );
  const route = { flightKey: text, origin: fc.oneof(airport, text), destination: fc.oneof(airport, text) };
  const payload = fc.oneof(
    fc.constant({ case: undefined }),
    fc.record({ case: fc.constant('flightDeparted' as const), value: fc.record({ ...route, distanceMiles: fc.integer(), departureTime: timestamp }) }),
    fc.record({
      case: fc.constant('flightArrived' as const),
      value: fc.record({ ...route, arrivalDelayMinutes: fc.integer(), departureTime: timestamp, arrivalTime: timestamp }),
    }),
  );
  const free = fc
    .record({
      eventId: text,
      type: fc.oneof(fc.constantFrom(FLIGHT_DEPARTED, FLIGHT_ARRIVED), text),
      source: text,
      entityId: text,
      eventTime: timestamp,
      ingestTime: timestamp,
      payload,
    })
    .map((fields) => create(EventSchema, fields as Parameters<typeof create<typeof EventSchema>>[1]));
  return fc.oneof({ weight: 4, arbitrary: free }, { weight: 1, arbitrary: validFlightEventArbitrary() });
}
