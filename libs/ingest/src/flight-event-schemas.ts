import { timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { Event } from '@tributary/contracts';
import { ARRIVAL_DELAY_MINUTES_RANGE, DISTANCE_MILES_RANGE, FLIGHT_ARRIVED, FLIGHT_DEPARTED } from '@tributary/flights';
import { defineEventSchema, type EventTypeSchema } from './event-type-schema.js';
import { iataCode, integerIn, requiredString, requiredTimestamp } from './field-rules.js';
import { RejectReason, reject, type Rejection } from './rejection.js';

/** Rejects a payload time that is not the event's own time (both must name the same moment). */
function sameAsEventTime(time: Timestamp | undefined, field: string, event: Event): Rejection | undefined {
  if (time && event.eventTime && timestampMs(time) !== timestampMs(event.eventTime)) {
    return reject(RejectReason.invalidValue, 'differs from eventTime', field);
  }
  return undefined;
}

/** `flight.departed`: event time is the departure; distance within {@link DISTANCE_MILES_RANGE}. */
export const flightDepartedSchema: EventTypeSchema = defineEventSchema({
  type: FLIGHT_DEPARTED,
  payloadCase: 'flightDeparted',
  fields: {
    flightKey: requiredString(),
    origin: iataCode(),
    destination: iataCode(),
    distanceMiles: integerIn(DISTANCE_MILES_RANGE),
    departureTime: requiredTimestamp(),
  },
  checks: [(payload, event) => sameAsEventTime(payload.departureTime, 'flightDeparted.departureTime', event)],
});

/**
 * `flight.arrived`: event time is the arrival, which is not before the
 * departure; delay within {@link ARRIVAL_DELAY_MINUTES_RANGE} (the dataset's
 * few absurd delays are rejected here).
 */
export const flightArrivedSchema: EventTypeSchema = defineEventSchema({
  type: FLIGHT_ARRIVED,
  payloadCase: 'flightArrived',
  fields: {
    flightKey: requiredString(),
    origin: iataCode(),
    destination: iataCode(),
    arrivalDelayMinutes: integerIn(ARRIVAL_DELAY_MINUTES_RANGE),
    departureTime: requiredTimestamp(),
    arrivalTime: requiredTimestamp(),
  },
  checks: [
    (payload, event) => sameAsEventTime(payload.arrivalTime, 'flightArrived.arrivalTime', event),
    ({ departureTime, arrivalTime }) =>
      departureTime && arrivalTime && timestampMs(arrivalTime) < timestampMs(departureTime)
        ? reject(RejectReason.invalidValue, 'is before departureTime', 'flightArrived.arrivalTime')
        : undefined,
  ],
});

/** The schemas of the flight events: what the ingestion service registers. */
export const flightEventSchemas: readonly EventTypeSchema[] = [flightDepartedSchema, flightArrivedSchema];
