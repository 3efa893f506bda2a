import { entityId } from '@tributary/features';
import { airportCode } from './airport-code.js';

/**
 * What the flight-delay models read besides the feature store: attributes of
 * the flight itself, known at departure. Inference must build the same values
 * in the same order ({@link flightAttributes}), followed by the feature-store
 * columns of the roles in {@link flightEntities}.
 */
export const FLIGHT_ATTRIBUTE_FEATURES = [
  'flight.distance_miles',
  'flight.departure_hour',
  'flight.day_of_week',
  'flight.origin',
  'flight.destination',
] as const;

/** The attributes read as category codes ({@link airportCode}). */
export const FLIGHT_CATEGORICAL_FEATURES: readonly string[] = ['flight.origin', 'flight.destination'];

/** A departing flight as the models see it. */
export interface FlightAttributesInput {
  /** Departure, ms (naive local time as if UTC, like the dataset). */
  readonly departureTimeMs: number;
  readonly origin: string;
  readonly destination: string;
  readonly distanceMiles: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The values of {@link FLIGHT_ATTRIBUTE_FEATURES} for one flight, in that order. */
export function flightAttributes(flight: FlightAttributesInput): [number, number, number, number, number] {
  const msOfDay = ((flight.departureTimeMs % DAY_MS) + DAY_MS) % DAY_MS;
  return [
    flight.distanceMiles,
    msOfDay / HOUR_MS,
    new Date(flight.departureTimeMs).getUTCDay(),
    airportCode(flight.origin),
    airportCode(flight.destination),
  ];
}

/**
 * The feature-store entities a flight reads, by role: its origin and
 * destination airports and its route. Training-set columns are named
 * `<role>.<feature>` in this role order.
 */
export function flightEntities(origin: string, destination: string): { origin: string; destination: string; route: string } {
  return { origin, destination, route: entityId(origin, destination) };
}
