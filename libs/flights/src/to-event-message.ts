import { create, toBinary, toJsonString } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, FlightArrivedSchema, FlightDepartedSchema, type Event } from '@tributary/contracts';
import { FLIGHT_DEPARTED, type FlightEvent } from './flight-events.js';

/** The `source` of events replayed from the dataset. */
export const FLIGHTS_REPLAY_SOURCE = '/producers/flights-replay';

/** Options of {@link toEventMessage}. */
export interface ToEventMessageOptions {
  /** The event's `source`. Default {@link FLIGHTS_REPLAY_SOURCE}. */
  readonly source?: string;
}

/**
 * A flight event as the `tributary.v1.Event` envelope producers send to
 * `events.raw`: entity id = flight key; `ingest_time` left unset for
 * ingestion to fill. Timestamps carry the naive local times as if UTC.
 */
export function toEventMessage(event: FlightEvent, options: ToEventMessageOptions = {}): Event {
  const envelope = {
    eventId: event.eventId,
    type: event.type,
    source: options.source ?? FLIGHTS_REPLAY_SOURCE,
    entityId: event.flightKey,
    eventTime: timestampFromMs(event.eventTimeMs),
  };
  const route = { flightKey: event.flightKey, origin: event.origin, destination: event.destination };
  if (event.type === FLIGHT_DEPARTED) {
    const value = create(FlightDepartedSchema, {
      ...route,
      distanceMiles: event.distanceMiles,
      departureTime: timestampFromMs(event.departureTimeMs),
    });
    return create(EventSchema, { ...envelope, payload: { case: 'flightDeparted', value } });
  }
  const value = create(FlightArrivedSchema, {
    ...route,
    arrivalDelayMinutes: event.arrivalDelayMinutes,
    departureTime: timestampFromMs(event.departureTimeMs),
    arrivalTime: timestampFromMs(event.eventTimeMs),
  });
  return create(EventSchema, { ...envelope, payload: { case: 'flightArrived', value } });
}

/** How a raw event is written to `events.raw`. */
export type RawEventFormat = 'json' | 'protobuf';

/** A raw record's value and the content type that tells ingestion how to decode it. */
export interface EncodedEvent {
  readonly value: Uint8Array;
  readonly contentType: string;
}

const jsonBytes = new TextEncoder();

/**
 * A flight event as a producer writes it to `events.raw`: the
 * `tributary.v1.Event` in protobuf binary (`application/protobuf`) or in the
 * protobuf JSON mapping (`application/json`).
 */
export function encodeFlightEvent(event: FlightEvent, format: RawEventFormat, options: ToEventMessageOptions = {}): EncodedEvent {
  const message = toEventMessage(event, options);
  return format === 'json'
    ? { value: jsonBytes.encode(toJsonString(EventSchema, message)), contentType: 'application/json' }
    : { value: toBinary(EventSchema, message), contentType: 'application/protobuf' };
}
