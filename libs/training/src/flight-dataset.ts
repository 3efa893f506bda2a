import type { OfflineStore, flightFeatureSet } from '@tributary/features';
import { createFeatureMatrix, type FeatureMatrix } from '@tributary/ml';
import { FLIGHT_ATTRIBUTE_FEATURES, FLIGHT_CATEGORICAL_FEATURES, flightAttributes, flightEntities } from './flight-features.js';
import type { LabeledFlights } from './flight-labels.js';

/** What the flight dataset needs of the offline feature store: its version and point-in-time joins. */
export type FlightFeatureSource = Pick<OfflineStore<typeof flightFeatureSet.features>, 'featureSet' | 'buildTrainingSet'>;

/** Rows ready for training: features, labels and the time each label is predicted at. */
export interface LabeledDataset {
  readonly matrix: FeatureMatrix;
  readonly labels: Float64Array;
  /** Label (departure) time per row, ms; ascending. */
  readonly labelTimesMs: Float64Array;
}

/**
 * Joins labelled departures to the feature store as of each departure (the
 * store's point-in-time join: only snapshots stamped at or before the
 * departure, within their TTL), and puts the flight's own attributes first.
 */
export async function buildFlightDataset(flights: LabeledFlights, features: FlightFeatureSource): Promise<LabeledDataset> {
  const n = flights.rowCount;
  const entities = { origin: new Array<string>(n), destination: new Array<string>(n), route: new Array<string>(n) };
  const attributes = FLIGHT_ATTRIBUTE_FEATURES.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const origin = flights.origins[i] as string;
    const destination = flights.destinations[i] as string;
    const ids = flightEntities(origin, destination);
    entities.origin[i] = ids.origin;
    entities.destination[i] = ids.destination;
    entities.route[i] = ids.route;
    const values = flightAttributes({ departureTimeMs: flights.departureTimesMs[i] as number, origin, destination, distanceMiles: flights.distancesMiles[i] as number });
    values.forEach((value, f) => ((attributes[f] as Float64Array)[i] = value));
  }
  const joined = await features.buildTrainingSet({
    labelTimesMs: flights.departureTimesMs,
    labels: flights.labels,
    entities: {
      origin: { entityType: 'airport', ids: entities.origin },
      destination: { entityType: 'airport', ids: entities.destination },
      route: { entityType: 'route', ids: entities.route },
    },
  });
  const matrix = createFeatureMatrix({
    featureNames: [...FLIGHT_ATTRIBUTE_FEATURES, ...joined.featureNames],
    columns: [...attributes, ...joined.columns],
    categoricalFeatures: FLIGHT_CATEGORICAL_FEATURES,
  });
  return { matrix, labels: joined.labels, labelTimesMs: joined.labelTimesMs };
}
