/**
 * @tributary/flights — the flights-3m dataset of vega-datasets (3M US domestic
 * flights, 1 Jan – 1 Jul 2001) as a replayable event stream: each flight is a
 * `flight.departed` event and a `flight.arrived` event one estimated block time
 * later, with deterministic ids, merged in event-time order and read one row
 * group at a time. Times are naive local times encoded as if UTC; a flight
 * that left past midnight has its events a day after its row's date.
 */
export { MIDNIGHT_SLIP_MS, actualDepartureTimeMs, departedPastMidnight } from './actual-departure-time.js';
export { BLOCK_TIME_BASE_MINUTES, BLOCK_TIME_MILES_PER_MINUTE, estimatedBlockTimeMs } from './block-time.js';
export { FlightsDatasetNotFoundError, InvalidFlightsReadOptionsError, MalformedFlightRowError } from './errors.js';
export { FLIGHT_EVENTS_NAMESPACE, flightEventId } from './flight-event-id.js';
export {
  FLIGHT_ARRIVED,
  FLIGHT_DEPARTED,
  arrivedEvent,
  departedEvent,
  readFlightEvents,
  toFlightEvents,
  type FlightArrivedEvent,
  type FlightDepartedEvent,
  type FlightEvent,
  type ReadFlightEventsOptions,
} from './flight-events.js';
export { flightKey } from './flight-key.js';
export { flightsParquetPath } from './flights-parquet-path.js';
export { ARRIVAL_DELAY_MINUTES_RANGE, DISTANCE_MILES_RANGE, isInRange, type PlausibleRange } from './plausible-ranges.js';
export { readFlights, type Flight, type ReadFlightsOptions } from './read-flights.js';
export { replayFlightEvents, type ReplayFlightEventsOptions, type ReplayProgress } from './replay-flight-events.js';
export {
  FLIGHTS_REPLAY_SOURCE,
  encodeFlightEvent,
  toEventMessage,
  type EncodedEvent,
  type RawEventFormat,
  type ToEventMessageOptions,
} from './to-event-message.js';
export { uuidV5 } from './uuid-v5.js';
