import type { Flight } from './read-flights.js';

const DAY_MS = 24 * 3_600_000;
const MINUTE_MS = 60_000;

/** How far the events of a flight that slipped past midnight move: one day. */
export const MIDNIGHT_SLIP_MS = DAY_MS;

/**
 * Whether a flight left the day after the one its row records. The dataset's
 * `date` keeps the *scheduled* day with the actual clock time, so a flight
 * scheduled for 22:00 that left at 00:30 reads as 00:30 of the day before it
 * really left. Such a row gives itself away: its arrival delay (the only
 * delay the file has; the departure delay is close to it) is larger than the
 * minutes since midnight, so its implied scheduled departure (actual minus
 * delay) falls on the day before the recorded one — which cannot be, since the
 * recorded day is the scheduled day.
 */
export function departedPastMidnight(flight: Pick<Flight, 'departureTimeMs' | 'arrivalDelayMinutes'>): boolean {
  const minutesSinceMidnight = (((flight.departureTimeMs % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS;
  return flight.arrivalDelayMinutes > minutesSinceMidnight;
}

/**
 * When the flight really left: the recorded departure, one day later for a
 * flight that {@link departedPastMidnight}. Its events happen at this time;
 * its row (key, training row time, attributes) keeps the recorded one.
 */
export function actualDepartureTimeMs(flight: Pick<Flight, 'departureTimeMs' | 'arrivalDelayMinutes'>): number {
  return departedPastMidnight(flight) ? flight.departureTimeMs + MIDNIGHT_SLIP_MS : flight.departureTimeMs;
}
