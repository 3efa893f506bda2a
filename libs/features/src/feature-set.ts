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
  /** Length of the sliding event-time window; a multiple of its bucket width. */
  readonly windowMs: number;
  /**
   * Width of the time buckets the window slides by: the value at a moment
   * aggregates the events in [B − windowMs, B) for the latest bucket boundary
   * B at or before it. Default {@link defaultBucketMs}.
   */
  readonly bucketMs?: number;
  /** How long after its event time a value may be served (online) or joined (training); older means missing. */
  readonly ttlMs: number;
  /** What the feature means; documentation only, not part of the version. */
  readonly description?: string;
}

/** Options of {@link defineFeatureSet}. */
export interface FeatureSetOptions<Definitions extends readonly FeatureDefinition[]> {
  readonly features: Definitions;
}

/** A validated, versioned set of feature definitions. */
export interface FeatureSet<Definitions extends readonly FeatureDefinition[] = readonly FeatureDefinition[]> {
  readonly features: Definitions;
  /** 16 hex digits of a SHA-256 over every definition (descriptions excepted): changes when any definition does. */
  readonly version: string;
  /** Entity types in order of first declaration. */
  readonly entityTypes: readonly EntityTypeOf<Definitions>[];
  /** The features of one entity type in declaration order: the column order of its vectors and rows. */
  featuresOf<Entity extends string>(entityType: Entity): readonly DefinitionsOf<Definitions, Entity>[];
}

/** The entity types of a feature set's definitions. */
export type EntityTypeOf<Definitions extends readonly FeatureDefinition[]> = Definitions[number]['entity'];

/**
 * The definitions of one entity type: those whose entity may be `Entity`
 * (all of them when `Entity` is just `string`, or when a definition's entity is).
 */
export type DefinitionsOf<Definitions extends readonly FeatureDefinition[], Entity extends string> = string extends Entity
  ? Definitions[number]
  : Definitions[number] extends infer Definition
    ? Definition extends { readonly entity: infer Declared }
      ? Entity extends Declared
        ? Definition
        : never
      : never
    : never;

/** The feature names of one entity type. */
export type FeatureNameOf<Definitions extends readonly FeatureDefinition[], Entity extends string> = DefinitionsOf<Definitions, Entity>['name'];

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

const MINUTE_MS = 60_000;
/** Bucket widths the default picks from: 1 min, 5 min, 15 min, 1 h, 1 day. */
const STANDARD_BUCKETS_MS = [MINUTE_MS, 5 * MINUTE_MS, 15 * MINUTE_MS, 60 * MINUTE_MS, 24 * 60 * MINUTE_MS];

/**
 * The default bucket width of a window: the coarsest of 1 min, 5 min, 15 min,
 * 1 h, 1 day that still cuts it into at least 60 buckets (1 h → 1 min, 24 h →
 * 15 min, 7 d → 1 h), else 1 min. A window's edge is thus never more than
 * 1/60 of it from exact, while long windows keep few buckets and change —
 * and are written — at most once per bucket.
 */
export function defaultBucketMs(windowMs: number): number {
  const fitting = STANDARD_BUCKETS_MS.filter((bucketMs) => windowMs % bucketMs === 0 && windowMs / bucketMs >= 60);
  return fitting.at(-1) ?? MINUTE_MS;
}

/** A definition's bucket width: its own, or {@link defaultBucketMs} of its window. */
export function bucketMsOf(feature: FeatureDefinition): number {
  return feature.bucketMs ?? defaultBucketMs(feature.windowMs);
}

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
  const { features } = options;
  if (features.length === 0) throw new InvalidFeatureDefinitionError('a feature set needs at least one feature');
  const names = new Set<string>();
  for (const feature of features) {
    validateDefinition(feature);
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
    version: featureSetVersion(features),
    entityTypes: [...byEntity.keys()] as EntityTypeOf<Definitions>[],
    featuresOf<Entity extends string>(entityType: Entity) {
      const list = byEntity.get(entityType);
      if (!list) throw new UnknownFeatureError(entityType);
      return list as DefinitionsOf<Definitions, Entity>[];
    },
  };
}

function validateDefinition(feature: FeatureDefinition): void {
  const fail = (message: string) => {
    throw new InvalidFeatureDefinitionError(`feature ${feature.name}: ${message}`, feature.name);
  };
  if (!IDENTIFIER.test(feature.name)) fail('name must be lower snake case ([a-z][a-z0-9_]*)');
  if (!IDENTIFIER.test(feature.entity)) fail(`entity type ${feature.entity} must be lower snake case`);
  if (feature.source.trim() === '') fail('source event type is empty');
  if (feature.key.length === 0 || feature.key.some((field) => field.trim() === '')) fail('key needs at least one non-empty field');
  const bucketMs = bucketMsOf(feature);
  if (!Number.isInteger(bucketMs) || bucketMs <= 0 || bucketMs % 1000 !== 0) fail(`bucketMs ${bucketMs} must be a positive whole number of seconds`);
  if (!Number.isInteger(feature.windowMs) || feature.windowMs <= 0 || feature.windowMs % bucketMs !== 0) {
    fail(`windowMs ${feature.windowMs} must be a positive multiple of bucketMs ${bucketMs}`);
  }
  if (!(feature.ttlMs > 0)) fail(`ttlMs must be positive, got ${feature.ttlMs}`);
  const { aggregation } = feature;
  if (aggregation.kind !== 'count' && aggregation.field.trim() === '') fail('aggregation field is empty');
  if (aggregation.kind === 'shareAtLeast' && !Number.isFinite(aggregation.threshold)) fail('threshold must be finite');
}

/** SHA-256 of the canonical JSON of the definitions sorted by name, bucket widths resolved, descriptions left out. */
function featureSetVersion(features: readonly FeatureDefinition[]): string {
  const definitions = [...features]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ description: _description, ...definition }) => ({ ...definition, bucketMs: bucketMsOf(definition) }));
  return createHash('sha256').update(canonicalJson(definitions)).digest('hex').slice(0, 16);
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
