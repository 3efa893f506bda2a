import { createHash } from 'node:crypto';
import type { Aggregation } from './aggregation.js';
import { InvalidFeatureDefinitionError, UnknownFeatureError } from './errors.js';

/**
 * One windowed feature: which entity it describes, which events feed it, how
 * they are aggregated over which event-time window, and how long its value may
 * be served after it was computed.
 */
export interface FeatureDefinition<Name extends string = string, Entity extends string = string> {
  /** Unique in the set; lower snake case, as it becomes a column and a hash field. */
  readonly name: Name;
  /** Entity type the value belongs to, e.g. `airport`; lower snake case. */
  readonly entity: Entity;
  /** Event type that feeds it, e.g. `flight.arrived`. */
  readonly source: string;
  /** Event fields whose values, joined by {@link entityId}, identify the entity, e.g. `['origin']`. */
  readonly key: readonly string[];
  readonly aggregation: Aggregation;
  /** Length of the sliding event-time window; a multiple of the set's `bucketMs`. */
  readonly windowMs: number;
  /** How long after its event time a value may be served (online) or joined (training); older means missing. */
  readonly ttlMs: number;
  /** What the feature means; documentation only, not part of the version. */
  readonly description?: string;
}

/** Options of {@link defineFeatureSet}. */
export interface FeatureSetOptions<Definitions extends readonly FeatureDefinition[]> {
  readonly features: Definitions;
  /**
   * Width of the time buckets every window is made of, and the step at which
   * values are materialized. Default 60 000 (one minute, the resolution of the
   * flights data, so windows are exact).
   */
  readonly bucketMs?: number;
}

/** A validated, versioned set of feature definitions. */
export interface FeatureSet<Definitions extends readonly FeatureDefinition[] = readonly FeatureDefinition[]> {
  readonly features: Definitions;
  readonly bucketMs: number;
  /** 16 hex digits of a SHA-256 over every definition (descriptions excepted): changes when any definition does. */
  readonly version: string;
  /** Entity types in order of first declaration. */
  readonly entityTypes: readonly EntityTypeOf<Definitions>[];
  /** The features of one entity type in declaration order: the column order of its vectors and rows. */
  featuresOf(entityType: string): readonly Definitions[number][];
}

/** The entity types of a feature set's definitions. */
export type EntityTypeOf<Definitions extends readonly FeatureDefinition[]> = Definitions[number]['entity'];

/** The feature names of one entity type. */
export type FeatureNameOf<Definitions extends readonly FeatureDefinition[], Entity extends string> = Extract<
  Definitions[number],
  { readonly entity: Entity }
>['name'];

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

/** The separator of multi-field entity ids, e.g. route `ORD-LAX`. */
export const ENTITY_ID_SEPARATOR = '-';

/** The id of an entity keyed by several fields, e.g. `entityId('ORD', 'LAX')` → `ORD-LAX`. */
export function entityId(...parts: readonly string[]): string {
  return parts.join(ENTITY_ID_SEPARATOR);
}

/**
 * Validates feature definitions and gives them a version. Adding a feature is
 * adding one definition; the version changes with it, so stores and models
 * built from another set are recognised as such.
 */
export function defineFeatureSet<const Definitions extends readonly FeatureDefinition[]>(
  options: FeatureSetOptions<Definitions>,
): FeatureSet<Definitions> {
  const { features, bucketMs = 60_000 } = options;
  if (!Number.isInteger(bucketMs) || bucketMs <= 0) throw new InvalidFeatureDefinitionError(`bucketMs must be a positive integer, got ${bucketMs}`);
  if (features.length === 0) throw new InvalidFeatureDefinitionError('a feature set needs at least one feature');
  const names = new Set<string>();
  for (const feature of features) {
    validateDefinition(feature, bucketMs);
    if (names.has(feature.name)) throw new InvalidFeatureDefinitionError(`feature ${feature.name} is declared twice`, feature.name);
    names.add(feature.name);
  }
  const byEntity = new Map<string, Definitions[number][]>();
  for (const feature of features) {
    const list = byEntity.get(feature.entity) ?? [];
    list.push(feature);
    byEntity.set(feature.entity, list);
  }
  return {
    features,
    bucketMs,
    version: featureSetVersion(features, bucketMs),
    entityTypes: [...byEntity.keys()] as EntityTypeOf<Definitions>[],
    featuresOf(entityType) {
      const list = byEntity.get(entityType);
      if (!list) throw new UnknownFeatureError(entityType);
      return list;
    },
  };
}

function validateDefinition(feature: FeatureDefinition, bucketMs: number): void {
  const fail = (message: string) => {
    throw new InvalidFeatureDefinitionError(`feature ${feature.name}: ${message}`, feature.name);
  };
  if (!IDENTIFIER.test(feature.name)) fail('name must be lower snake case ([a-z][a-z0-9_]*)');
  if (!IDENTIFIER.test(feature.entity)) fail(`entity type ${feature.entity} must be lower snake case`);
  if (feature.source.trim() === '') fail('source event type is empty');
  if (feature.key.length === 0 || feature.key.some((field) => field.trim() === '')) fail('key needs at least one non-empty field');
  if (!Number.isInteger(feature.windowMs) || feature.windowMs <= 0 || feature.windowMs % bucketMs !== 0) {
    fail(`windowMs ${feature.windowMs} must be a positive multiple of bucketMs ${bucketMs}`);
  }
  if (!(feature.ttlMs > 0)) fail(`ttlMs must be positive, got ${feature.ttlMs}`);
  const { aggregation } = feature;
  if (aggregation.kind !== 'count' && aggregation.field.trim() === '') fail('aggregation field is empty');
  if (aggregation.kind === 'shareAtLeast' && !Number.isFinite(aggregation.threshold)) fail('threshold must be finite');
}

/** SHA-256 of the canonical JSON of the definitions sorted by name, without descriptions. */
function featureSetVersion(features: readonly FeatureDefinition[], bucketMs: number): string {
  const definitions = [...features]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ description: _description, ...definition }) => definition);
  return createHash('sha256').update(canonicalJson({ bucketMs, definitions })).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so equal values always hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
