import { Code, TributaryError } from '@tributary/errors';
import { flightFeatureSet } from '@tributary/features';
import { createRandom } from '@tributary/seeded-random';
import type { FlightFeatureSource } from '../flight-dataset.js';
import type { LabelSource, LabeledFlights } from '../flight-labels.js';
import type { TimeRange } from '../time-range.js';

/** Options of {@link generateLabeledFlights}. */
export interface GeneratedFlightsOptions {
  readonly flights: number;
  /** Departures spread evenly over this range. */
  readonly range: TimeRange;
  /** Default 1. */
  readonly seed?: number;
  /** Default 6 large airports. */
  readonly airports?: readonly string[];
}

/**
 * Labelled departures with a signal a model can learn: flights late in the
 * day, long flights and flights out of the first airport are late more often.
 * Deterministic for a seed.
 */
export function generateLabeledFlights(options: GeneratedFlightsOptions): LabeledFlights {
  const { flights: n, range, seed = 1, airports = ['ORD', 'ATL', 'DFW', 'LAX', 'DEN', 'PHX'] } = options;
  const random = createRandom(seed);
  const departureTimesMs = new Float64Array(n);
  const labels = new Float64Array(n);
  const distancesMiles = new Float64Array(n);
  const origins: string[] = [];
  const destinations: string[] = [];
  const step = (range.endMs - range.startMs) / n;
  for (let i = 0; i < n; i++) {
    const t = Math.floor(range.startMs + i * step);
    const origin = airports[Math.floor(random() * airports.length)] as string;
    const others = airports.filter((a) => a !== origin);
    const destination = others[Math.floor(random() * others.length)] as string;
    const distance = 150 + Math.floor(random() * 2400);
    const hour = (t % 86_400_000) / 3_600_000;
    const score = -2.2 + 0.12 * hour + distance / 2500 + (origin === airports[0] ? 0.8 : 0);
    departureTimesMs[i] = t;
    origins.push(origin);
    destinations.push(destination);
    distancesMiles[i] = distance;
    labels[i] = random() < 1 / (1 + Math.exp(-score)) ? 1 : 0;
  }
  return { rowCount: n, departureTimesMs, labels, origins, destinations, distancesMiles };
}

/** A {@link LabelSource} over fixed flights: those departing in the asked range. */
export function createInMemoryLabelSource(flights: LabeledFlights): LabelSource {
  return {
    async loadLabels(range) {
      const rows: number[] = [];
      flights.departureTimesMs.forEach((t, i) => {
        if (t >= range.startMs && t < range.endMs) rows.push(i);
      });
      return {
        rowCount: rows.length,
        departureTimesMs: Float64Array.from(rows, (i) => flights.departureTimesMs[i] as number),
        labels: Float64Array.from(rows, (i) => flights.labels[i] as number),
        origins: rows.map((i) => flights.origins[i] as string),
        destinations: rows.map((i) => flights.destinations[i] as string),
        distancesMiles: Float64Array.from(rows, (i) => flights.distancesMiles[i] as number),
      };
    },
  };
}

/**
 * The flights offline store before any pipeline wrote to it: every
 * point-in-time value is missing (NaN), as the real join gives when no
 * snapshot precedes a label. It keeps nothing: writes are refused.
 */
export function createEmptyFeatureSource(): FlightFeatureSource {
  const keepsNothing = async () => {
    throw new TributaryError(Code.Unimplemented, 'the empty feature source keeps nothing; use createOfflineStore to write');
  };
  return {
    database: 'empty',
    featureSet: flightFeatureSet,
    tableOf: (entityType) => `empty.${entityType}`,
    ensureSchema: async () => undefined,
    write: keepsNothing,
    deleteVersion: keepsNothing,
    async buildTrainingSet(request) {
      const featureNames = Object.entries(request.entities).flatMap(([role, { entityType }]) =>
        flightFeatureSet.featuresOf(entityType).map((f) => `${role}.${f.name}`),
      );
      const n = request.labelTimesMs.length;
      return {
        rowCount: n,
        featureNames,
        columns: featureNames.map(() => new Float64Array(n).fill(Number.NaN)),
        labels: Float64Array.from(request.labels),
        labelTimesMs: Float64Array.from(request.labelTimesMs),
      };
    },
  };
}
