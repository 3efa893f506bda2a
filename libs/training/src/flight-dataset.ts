import { flightTrainingSet, type FlightAtDeparture, type OfflineStore, type flightFeatureSet } from '@tributary/features';
import { createFeatureMatrix, type FeatureMatrix } from '@tributary/ml';
import type { LabeledFlights } from './flight-labels.js';

/** The offline feature store of the flights feature set, where the point-in-time features come from. */
export type FlightFeatureSource = OfflineStore<typeof flightFeatureSet.features>;

/** Rows ready for training: features, labels and the time each label is predicted at. */
export interface LabeledDataset {
  readonly matrix: FeatureMatrix;
  readonly labels: Float64Array;
  /** Label (departure) time per row, ms; ascending. */
  readonly labelTimesMs: Float64Array;
}

/**
 * Labelled departures as model rows, through the feature store's own
 * `flightTrainingSet`: the origin's, destination's and route's features as of
 * each departure (point in time, within their TTLs) and the flight's
 * attributes, in the column order the store's `flightFeatureVector` serves —
 * so the model reads at inference exactly what it was trained on.
 */
export async function buildFlightDataset(flights: LabeledFlights, features: FlightFeatureSource): Promise<LabeledDataset> {
  const departures: FlightAtDeparture[] = Array.from({ length: flights.rowCount }, (_, i) => ({
    departureTimeMs: flights.departureTimesMs[i] as number,
    distanceMiles: flights.distancesMiles[i] as number,
    origin: flights.origins[i] as string,
    destination: flights.destinations[i] as string,
  }));
  const set = await flightTrainingSet(features, departures, flights.labels);
  const matrix = createFeatureMatrix({ featureNames: set.featureNames, columns: set.columns, categoricalFeatures: set.categoricalFeatures });
  return { matrix, labels: set.labels, labelTimesMs: set.labelTimesMs };
}
