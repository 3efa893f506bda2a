/** A flight as known when it departs: what a prediction is asked about. */
export interface FlightAtDeparture {
  /** Actual departure, ms; the dataset's naive local time read as UTC. */
  readonly departureTimeMs: number;
  readonly distanceMiles: number;
  /** IATA code, e.g. `ORD`. */
  readonly origin: string;
  readonly destination: string;
}

/** The attributes of the flight itself, known at prediction time, in model column order. */
export const FLIGHT_ATTRIBUTE_NAMES = ['distance_miles', 'hour_of_day', 'day_of_week', 'origin_code', 'destination_code'] as const;

/** One of {@link FLIGHT_ATTRIBUTE_NAMES}. */
export type FlightAttributeName = (typeof FLIGHT_ATTRIBUTE_NAMES)[number];

/** The attributes that hold category codes rather than quantities. */
export const FLIGHT_CATEGORICAL_ATTRIBUTES: readonly FlightAttributeName[] = ['origin_code', 'destination_code'];

const CODE = /^[0-9A-Z]{1,4}$/;

/**
 * A stable category code for a short upper-case code such as an IATA airport:
 * its value in base 36 (`ORD` → 24·36² + 27·36 + 13). No vocabulary is needed,
 * so training and serving can never disagree on a code, and an airport first
 * seen in production still gets its own. Codes stay below 36⁴ < 2²⁴, exact in
 * a float32 model input. NaN (missing) for anything else.
 */
export function categoryCode(value: string): number {
  if (!CODE.test(value)) return Number.NaN;
  return Number.parseInt(value, 36);
}

/**
 * The flight's own attributes: distance, hour of day and day of week of the
 * departure (in the time the timestamp encodes: the origin's local time for
 * the flights data), and origin and destination as {@link categoryCode}s.
 */
export function flightAttributes(flight: FlightAtDeparture): Record<FlightAttributeName, number> {
  const departure = new Date(flight.departureTimeMs);
  return {
    distance_miles: flight.distanceMiles,
    hour_of_day: departure.getUTCHours(),
    day_of_week: departure.getUTCDay(),
    origin_code: categoryCode(flight.origin),
    destination_code: categoryCode(flight.destination),
  };
}
