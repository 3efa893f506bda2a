import { categoryCode } from '@tributary/features';
import { InvalidInputError } from './errors.js';
import type { ServedFeature } from './served-model-status.js';
import type { FlightQuery, ServingRequest } from './serving-request.js';

/** Values by feature name from one source, e.g. the online store's vector in its own column order. */
export interface FeatureSource {
  readonly names: readonly string[];
  /** NaN where the source has no value. */
  readonly values: ArrayLike<number>;
}

/** A model's input row for one request. */
export interface FeatureRow {
  /** In the model's feature order. */
  readonly values: Float32Array;
  /** Features that had no value anywhere and took the declared default. */
  readonly defaulted: readonly string[];
}

const AIRPORT = /^[0-9A-Z]{1,4}$/;
const MAX_VALUES_LISTED = 8;

/**
 * Checks what a request says before anything is read for it: exactly one way
 * of giving the row, a well-formed flight, and finite values. Throws
 * {@link InvalidInputError} naming what to fix.
 */
export function checkRequest(request: ServingRequest): void {
  const fail = (message: string) => {
    throw new InvalidInputError(message, request.requestId);
  };
  const byName = request.features !== undefined || request.categorical !== undefined;
  if (request.vector !== undefined && (byName || request.flight !== undefined)) {
    fail('give either a whole feature vector or a flight and/or features by name, not both');
  }
  if (request.vector === undefined && !byName && request.flight === undefined) {
    fail('give a flight, features by name, or a whole feature vector');
  }
  if (request.flight) checkFlight(request.flight, fail);
  for (const [name, value] of Object.entries(request.features ?? {})) {
    if (typeof value !== 'number') fail(`feature ${name} must be a number, got ${typeof value}`);
    if (!Number.isFinite(value)) fail(`feature ${name} is ${value}; give a finite number or leave the feature out to use its default`);
  }
  for (const [name, value] of Object.entries(request.categorical ?? {})) {
    if (typeof value !== 'string') fail(`categorical feature ${name} must be a string code, got ${typeof value}`);
  }
  const { vector } = request;
  if (vector) {
    for (let at = 0; at < vector.length; at++) {
      const value = vector[at] as number;
      if (value === Infinity || value === -Infinity) fail(`feature vector value ${at} is ${value}; give a finite number, or NaN for a missing value`);
    }
  }
  if (!Number.isFinite(request.deadlineAtMs)) fail('deadlineAtMs must be a finite time in ms');
}

function checkFlight(flight: FlightQuery, fail: (message: string) => never): void {
  for (const field of ['origin', 'destination'] as const) {
    const code = flight[field];
    if (typeof code !== 'string' || !AIRPORT.test(code)) fail(`flight ${field} must be an upper-case airport code such as ORD, got ${JSON.stringify(code)}`);
  }
  if (!Number.isFinite(flight.departureTimeMs)) fail('flight departure time must be a finite time in ms');
  if (!Number.isFinite(flight.distanceMiles) || flight.distanceMiles < 0) {
    fail(`flight distance must be a finite, non-negative number of miles, got ${flight.distanceMiles}`);
  }
}

/**
 * The model's input row: `vector` as given, or the sources in order (later
 * wins: the online vector, then the flight's own attributes), then the
 * request's values by name. A feature with no value takes its declared
 * default and is listed. Unknown names and wrong types fail with
 * {@link InvalidInputError}.
 */
export function buildFeatureRow(
  features: readonly ServedFeature[],
  index: ReadonlyMap<string, number>,
  request: ServingRequest,
  sources: readonly FeatureSource[],
): FeatureRow {
  const fail = (message: string): never => {
    throw new InvalidInputError(message, request.requestId);
  };
  const values = new Float32Array(features.length).fill(Number.NaN);
  if (request.vector) {
    if (request.vector.length !== features.length) {
      fail(`the model reads ${features.length} features (${listed(features.map((f) => f.name))}), the vector has ${request.vector.length}`);
    }
    values.set(request.vector);
  } else {
    for (const source of sources) {
      const { names, values: sourceValues } = source;
      for (let i = 0; i < names.length; i++) {
        const at = index.get(names[i] as string);
        const value = sourceValues[i] as number;
        if (at !== undefined && !Number.isNaN(value)) values[at] = value;
      }
    }
    const at = (name: string): number => index.get(name) ?? fail(`unknown feature ${name}; the model reads ${listed(features.map((f) => f.name))}`);
    for (const [name, value] of Object.entries(request.features ?? {})) {
      const column = at(name);
      if ((features[column] as ServedFeature).categorical && (!Number.isInteger(value) || value < 0)) {
        fail(`feature ${name} holds category codes: give a non-negative integer, or the code as a string in categorical features`);
      }
      values[column] = value;
    }
    for (const [name, code] of Object.entries(request.categorical ?? {})) {
      const column = at(name);
      if (!(features[column] as ServedFeature).categorical) fail(`feature ${name} is numeric; give it in features, not categorical features`);
      const encoded = categoryCode(code);
      if (Number.isNaN(encoded)) fail(`categorical feature ${name}: ${JSON.stringify(code)} is not a code of 1 to 4 upper-case letters or digits`);
      values[column] = encoded;
    }
  }
  const defaulted: string[] = [];
  for (let i = 0; i < features.length; i++) {
    if (!Number.isNaN(values[i] as number)) continue;
    const feature = features[i] as ServedFeature;
    values[i] = feature.defaultValue;
    defaulted.push(feature.name);
  }
  return { values, defaulted };
}

function listed(names: readonly string[]): string {
  if (names.length <= MAX_VALUES_LISTED) return names.join(', ');
  return `${names.slice(0, MAX_VALUES_LISTED).join(', ')} … ${names.length - MAX_VALUES_LISTED} more, see the model's metadata`;
}
