import { entityId } from './feature-set.js';
import { FLIGHT_ATTRIBUTE_NAMES, FLIGHT_CATEGORICAL_ATTRIBUTES, flightAttributes, type FlightAtDeparture } from './flight-attributes.js';
import type { flightFeatureSet } from './flight-features.js';
import type { OfflineStore } from './offline-store.js';
import type { OnlineReadOptions, OnlineStore } from './online-store.js';
import type { TrainingSet } from './training-set.js';

type FlightDefinitions = typeof flightFeatureSet.features;

/** Feature names of a flight's model input: `origin.*`, `destination.*` (airport), `route.*`, then the flight's attributes. */
export function flightFeatureNames(featureSet: typeof flightFeatureSet): string[] {
  const airport = featureSet.featuresOf('airport').map((f) => f.name);
  const route = featureSet.featuresOf('route').map((f) => f.name);
  return [...airport.map((n) => `origin.${n}`), ...airport.map((n) => `destination.${n}`), ...route.map((n) => `route.${n}`), ...FLIGHT_ATTRIBUTE_NAMES];
}

/** A flight training set: stored features as of each departure plus the flight attributes, and which columns are categories. */
export interface FlightTrainingSet extends TrainingSet {
  readonly categoricalFeatures: readonly string[];
}

/**
 * The training set of departed flights: for each, the origin's, the
 * destination's and the route's features as of its departure (point in time,
 * see `buildTrainingSet`) and its own attributes, in {@link flightFeatureNames}
 * order — the order {@link flightFeatureVector} serves, so training and
 * serving cannot drift apart.
 */
export async function flightTrainingSet(
  store: OfflineStore<FlightDefinitions>,
  flights: readonly FlightAtDeparture[],
  labels: ArrayLike<number>,
): Promise<FlightTrainingSet> {
  const stored = await store.buildTrainingSet({
    labelTimesMs: Float64Array.from(flights, (f) => f.departureTimeMs),
    labels,
    entities: {
      origin: { entityType: 'airport', ids: flights.map((f) => f.origin) },
      destination: { entityType: 'airport', ids: flights.map((f) => f.destination) },
      route: { entityType: 'route', ids: flights.map((f) => entityId(f.origin, f.destination)) },
    },
  });
  const attributes = FLIGHT_ATTRIBUTE_NAMES.map(() => new Float64Array(flights.length));
  flights.forEach((flight, row) => {
    const values = flightAttributes(flight);
    FLIGHT_ATTRIBUTE_NAMES.forEach((name, a) => ((attributes[a] as Float64Array)[row] = values[name]));
  });
  return {
    ...stored,
    featureNames: [...stored.featureNames, ...FLIGHT_ATTRIBUTE_NAMES],
    columns: [...stored.columns, ...attributes],
    categoricalFeatures: FLIGHT_CATEGORICAL_ATTRIBUTES,
  };
}

/**
 * A departing flight's model input from the online store, in
 * {@link flightFeatureNames} order: origin and destination airports in one
 * command, the route in another, both sent at once; values as of the
 * departure time (TTLs applied), NaN where missing. Fails with
 * `FeatureReadTimeoutError` past the deadline.
 */
export async function flightFeatureVector(
  store: OnlineStore<FlightDefinitions>,
  flight: FlightAtDeparture,
  options: Pick<OnlineReadOptions, 'timeoutMs'> = {},
): Promise<Float64Array> {
  const read = { ...options, asOfMs: flight.departureTimeMs };
  const [[origin, destination], route] = await Promise.all([
    store.getMany('airport', [flight.origin, flight.destination], read),
    store.get('route', entityId(flight.origin, flight.destination), read),
  ]);
  const airportFeatures = store.featureSet.featuresOf('airport');
  const attributes = flightAttributes(flight);
  return Float64Array.from([
    ...airportFeatures.map((f) => origin?.values[f.name] ?? Number.NaN),
    ...airportFeatures.map((f) => destination?.values[f.name] ?? Number.NaN),
    ...store.featureSet.featuresOf('route').map((f) => route.values[f.name]),
    ...FLIGHT_ATTRIBUTE_NAMES.map((name) => attributes[name]),
  ]);
}
