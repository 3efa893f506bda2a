import { actualDepartureTimeMs } from './actual-departure-time.js';
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

/** A flight left the gate; event time = actual departure ({@link actualDepartureTimeMs}). */
export interface FlightDepartedEvent extends FlightEventBase {
  readonly type: typeof FLIGHT_DEPARTED;
  readonly distanceMiles: number;
  /** Actual departure: the row's, a day later when the flight left past midnight. Equals the event time. */
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
  /** Actual departure, as in the flight's `flight.departed` event. */
  readonly departureTimeMs: number;
}

export type FlightEvent = FlightDepartedEvent | FlightArrivedEvent;

/** Options of {@link readFlightEvents}: the slice of flights whose events are wanted. */
export type ReadFlightEventsOptions = ReadFlightsOptions;

/** The `flight.departed` event of a flight, at its actual departure ({@link actualDepartureTimeMs}). */
export function departedEvent(flight: Flight): FlightDepartedEvent {
  const departureTimeMs = actualDepartureTimeMs(flight);
  return {
    type: FLIGHT_DEPARTED,
    eventId: flightEventId(FLIGHT_DEPARTED, flight.flightKey),
    eventTimeMs: departureTimeMs,
    flightKey: flight.flightKey,
    origin: flight.origin,
    destination: flight.destination,
    distanceMiles: flight.distanceMiles,
    departureTimeMs,
  };
}

/** The `flight.arrived` event of a flight: its actual departure ({@link actualDepartureTimeMs}) + estimated block time. */
export function arrivedEvent(flight: Flight): FlightArrivedEvent {
  const departureTimeMs = actualDepartureTimeMs(flight);
  return {
    type: FLIGHT_ARRIVED,
    eventId: flightEventId(FLIGHT_ARRIVED, flight.flightKey),
    eventTimeMs: departureTimeMs + estimatedBlockTimeMs(flight.distanceMiles),
    flightKey: flight.flightKey,
    origin: flight.origin,
    destination: flight.destination,
    arrivalDelayMinutes: flight.arrivalDelayMinutes,
    departureTimeMs,
  };
}

/**
 * Turns flights in departure order into their departure and arrival events,
 * merged in event-time order. Events not due yet wait in a min-heap — every
 * arrival (a few thousand at a time: the flights in the air) and the
 * departures of flights that left past midnight, a day after their row —
 * until the next recorded departure is not earlier. At equal times an
 * arrival comes before a departure — an outcome known at `t` is visible to a
 * prediction made at `t` — and otherwise input order is kept. After the last
 * flight the waiting events follow, so every selected flight has both events
 * even when they happen after the slice ends.
 *
 * @throws MalformedFlightRowError when the flights are not in departure order.
 */
export async function* toFlightEvents(flights: AsyncIterable<Flight>): AsyncGenerator<FlightEvent> {
  const waiting = new MinHeap<{ readonly event: FlightEvent; readonly seq: number }>((a, b) => {
    if (a.event.eventTimeMs !== b.event.eventTimeMs) return a.event.eventTimeMs < b.event.eventTimeMs;
    if (a.event.type !== b.event.type) return a.event.type === FLIGHT_ARRIVED;
    return a.seq < b.seq;
  });
  let seq = 0;
  let previousMs = -Infinity;
  for await (const flight of flights) {
    if (flight.departureTimeMs < previousMs) {
      throw new MalformedFlightRowError(seq, `flight ${flight.flightKey} departs before the flight preceding it`);
    }
    previousMs = flight.departureTimeMs;
    const departed = departedEvent(flight);
    if (departed.eventTimeMs > flight.departureTimeMs) {
      waiting.push({ event: departed, seq });
    } else {
      while ((waiting.peek()?.event.eventTimeMs ?? Infinity) <= departed.eventTimeMs) {
        yield (waiting.pop() as { event: FlightEvent }).event;
      }
      yield departed;
    }
    waiting.push({ event: arrivedEvent(flight), seq: seq++ });
  }
  for (let next = waiting.pop(); next; next = waiting.pop()) yield next.event;
}

/** The events of a slice of the dataset in event-time order: {@link toFlightEvents} of {@link readFlights}. */
export function readFlightEvents(options: ReadFlightEventsOptions = {}): AsyncGenerator<FlightEvent> {
  return toFlightEvents(readFlights(options));
}
