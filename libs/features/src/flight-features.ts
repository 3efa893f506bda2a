import { FLIGHT_ARRIVED, FLIGHT_DEPARTED } from '@tributary/flights';
import { count, mean, shareAtLeast } from './aggregation.js';
import { defineFeatureSet } from './feature-set.js';

/** An arrival at least this late (minutes) counts as late, the label the models predict. */
export const LATE_ARRIVAL_MINUTES = 15;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Count, mean arrival delay and late share of the arrived flights keyed by one
 * airport field (`origin` for flights out of the airport, `destination` for
 * flights into it) over one window. Arrivals count from their own event time,
 * never from departure, so no outcome is seen before it is known.
 */
function arrivalStats<const Prefix extends string, const Label extends string>(
  prefix: Prefix,
  keyField: 'origin' | 'destination',
  label: Label,
  windowMs: number,
) {
  const common = { entity: 'airport', source: FLIGHT_ARRIVED, key: [keyField], windowMs, ttlMs: 2 * windowMs } as const;
  const flights = keyField === 'origin' ? 'flights out of the airport' : 'flights into the airport';
  return [
    { ...common, name: `${prefix}_arrivals_${label}`, aggregation: count(), description: `Arrived ${flights} in the last ${label}.` },
    { ...common, name: `${prefix}_delay_mean_${label}`, aggregation: mean('arrivalDelayMinutes'), description: `Mean arrival delay (min) of arrived ${flights} in the last ${label}.` },
    {
      ...common,
      name: `${prefix}_late_share_${label}`,
      aggregation: shareAtLeast('arrivalDelayMinutes', LATE_ARRIVAL_MINUTES),
      description: `Share of arrived ${flights} in the last ${label} that were ≥ ${LATE_ARRIVAL_MINUTES} min late.`,
    },
  ] as const;
}

/**
 * The flights feature set. Airports: departures in the last hour, and
 * arrival statistics of flights out of and into them over 1 h and 24 h.
 * Routes (`ORD-LAX`): arrivals and mean arrival delay over 7 days. Each TTL
 * is twice its window: a value no pipeline refreshed for that long is missing.
 * Events read: `flight.departed` {origin}, `flight.arrived` {origin,
 * destination, arrivalDelayMinutes}.
 */
export const flightFeatureSet = defineFeatureSet({
  features: [
    {
      name: 'departures_1h',
      entity: 'airport',
      source: FLIGHT_DEPARTED,
      key: ['origin'],
      aggregation: count(),
      windowMs: HOUR_MS,
      ttlMs: 2 * HOUR_MS,
      description: 'Flights that took off from the airport in the last hour.',
    },
    ...arrivalStats('out', 'origin', '1h', HOUR_MS),
    ...arrivalStats('out', 'origin', '24h', DAY_MS),
    ...arrivalStats('in', 'destination', '1h', HOUR_MS),
    ...arrivalStats('in', 'destination', '24h', DAY_MS),
    {
      name: 'arrivals_7d',
      entity: 'route',
      source: FLIGHT_ARRIVED,
      key: ['origin', 'destination'],
      aggregation: count(),
      windowMs: 7 * DAY_MS,
      ttlMs: 14 * DAY_MS,
      description: 'Arrived flights of the route in the last 7 days.',
    },
    {
      name: 'delay_mean_7d',
      entity: 'route',
      source: FLIGHT_ARRIVED,
      key: ['origin', 'destination'],
      aggregation: mean('arrivalDelayMinutes'),
      windowMs: 7 * DAY_MS,
      ttlMs: 14 * DAY_MS,
      description: 'Mean arrival delay (min) of the route in the last 7 days.',
    },
  ],
});
