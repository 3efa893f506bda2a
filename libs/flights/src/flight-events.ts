import { estimatedBlockTimeMs } from './block-time.js';
import { MalformedFlightRowError } from './errors.js';
import { flightEventId } from './flight-event-id.js';
import { MinHeap } from './min-heap.js';
import { readFlights, type Flight, type ReadFlightsOptions } from './read-flights.js';

/** Event type of a departure: the moment a prediction is wanted. */
export const FLIGHT_DEPARTED = 'flight.departed';
/** Event type of an arrival: the moment the outcome (the arrival delay) is known. */
export const FLIGHT_ARRIVED = 'flight.arrived';

/** Fields both flight events carry. Times are naive local times encoded as if UTC (see {@link Flight}). */
interface FlightEventBase {
  /** Deterministic: the same flight and type give the same id on every replay ({@link flightEventId}). */
  readonly eventId: string;
  /** When the event happened, ms. */
  readonly eventTimeMs: number;
  /** Names the flight; also the entity id of its events, so both land on one partition. */
  readonly flightKey: string;
  readonly origin: string;
  readonly destination: string;
}

/** A flight left the gate; event time = actual departure. */
export interface FlightDepartedEvent extends FlightEventBase {
  readonly type: typeof FLIGHT_DEPARTED;
  readonly distanceMiles: number;
  readonly departureTimeMs: number;
}

/**
 * A flight arrived; event time = departure + estimated block time
 * ({@link estimatedBlockTimeMs}). Carries origin and destination too, so
 * per-airport outcome statistics need no join with the departure.
 */
export interface FlightArrivedEvent extends FlightEventBase {
  readonly type: typeof FLIGHT_ARRIVED;
  /** Minutes late at arrival; negative when early. */
  readonly arrivalDelayMinutes: number;
  readonly departureTimeMs: number;
}

export type FlightEvent = FlightDepartedEvent | FlightArrivedEvent;

/** Options of {@link readFlightEvents}: the slice of flights whose events are wanted. */
export type ReadFlightEventsOptions = ReadFlightsOptions;

/** The `flight.departed` event of a flight. */
export function departedEvent(flight: Flight): FlightDepartedEvent {
  return {
    type: FLIGHT_DEPARTED,
    eventId: flightEventId(FLIGHT_DEPARTED, flight.flightKey),
    eventTimeMs: flight.departureTimeMs,
    flightKey: flight.flightKey,
    origin: flight.origin,
    destination: flight.destination,
    distanceMiles: flight.distanceMiles,
    departureTimeMs: flight.departureTimeMs,
  };
}

/** The `flight.arrived` event of a flight. */
export function arrivedEvent(flight: Flight): FlightArrivedEvent {
  return {
    type: FLIGHT_ARRIVED,
    eventId: flightEventId(FLIGHT_ARRIVED, flight.flightKey),
    eventTimeMs: flight.departureTimeMs + estimatedBlockTimeMs(flight.distanceMiles),
    flightKey: flight.flightKey,
    origin: flight.origin,
    destination: flight.destination,
    arrivalDelayMinutes: flight.arrivalDelayMinutes,
    departureTimeMs: flight.departureTimeMs,
  };
}

/**
 * Turns flights in departure order into their departure and arrival events,
 * merged in event-time order. Arrivals wait in a min-heap (a few thousand at
 * a time: the flights in the air) until the next departure is not earlier.
 * At equal times an arrival comes before a departure — an outcome known at
 * `t` is visible to a prediction made at `t` — and otherwise input order is
 * kept. After the last flight the remaining arrivals follow, so every
 * selected flight has both events even when it lands after the slice ends.
 *
 * @throws MalformedFlightRowError when the flights are not in departure order.
 */
export async function* toFlightEvents(flights: AsyncIterable<Flight>): AsyncGenerator<FlightEvent> {
  const inAir = new MinHeap<{ readonly event: FlightArrivedEvent; readonly seq: number }>(
    (a, b) => a.event.eventTimeMs < b.event.eventTimeMs || (a.event.eventTimeMs === b.event.eventTimeMs && a.seq < b.seq),
  );
  let seq = 0;
  let previousMs = -Infinity;
  for await (const flight of flights) {
    if (flight.departureTimeMs < previousMs) {
      throw new MalformedFlightRowError(seq, `flight ${flight.flightKey} departs before the flight preceding it`);
    }
    previousMs = flight.departureTimeMs;
    while ((inAir.peek()?.event.eventTimeMs ?? Infinity) <= flight.departureTimeMs) {
      yield (inAir.pop() as { event: FlightArrivedEvent }).event;
    }
    yield departedEvent(flight);
    inAir.push({ event: arrivedEvent(flight), seq: seq++ });
  }
  for (let next = inAir.pop(); next; next = inAir.pop()) yield next.event;
}

/** The events of a slice of the dataset in event-time order: {@link toFlightEvents} of {@link readFlights}. */
export function readFlightEvents(options: ReadFlightEventsOptions = {}): AsyncGenerator<FlightEvent> {
  return toFlightEvents(readFlights(options));
}
