import { compileAggregation, measureKey, measuresOf, type Measure } from './aggregation.js';
import { bucketMsOf, type FeatureDefinition, type FeatureSet } from './feature-set.js';

/**
 * One sliding window per (entity type, source event type, key, window, bucket
 * width): features that differ only in their aggregation (count, mean and
 * late share over the same hour) share its buckets and running totals.
 */
export interface WindowPlan {
  /** Stable name, e.g. `flight.arrived|airport|origin|3600000/60000`; part of the persisted state. */
  readonly id: string;
  readonly entityType: string;
  /** Position among the windows of its entity type. */
  readonly slot: number;
  readonly source: string;
  readonly key: readonly string[];
  readonly measures: readonly Measure[];
  /** Numeric fields the measures read; an event missing one is invalid. */
  readonly numericFields: readonly string[];
  readonly bucketMs: number;
  /** Window length in buckets. */
  readonly buckets: number;
}

/** How one feature's value is read from the running totals of its entity's windows. */
export interface FeatureReader {
  /** Slot of the window among its entity type's windows. */
  readonly slot: number;
  readonly value: (totals: Float64Array) => number;
}

/** The windows and feature readers of one entity type. */
export interface EntityPlan {
  readonly entityType: string;
  /** Indices into {@link AggregationPlan.windows}, by slot. */
  readonly windows: readonly number[];
  /** One reader per feature, in `featuresOf(entityType)` order. */
  readonly readers: readonly FeatureReader[];
}

/** A feature set compiled for the aggregation engine. */
export interface AggregationPlan {
  /** The finest step at which any window changes: the greatest common divisor of the bucket widths. */
  readonly tickMs: number;
  readonly windows: readonly WindowPlan[];
  /** Indices into `windows` of the windows an event type feeds. */
  readonly windowsBySource: ReadonlyMap<string, readonly number[]>;
  readonly entities: ReadonlyMap<string, EntityPlan>;
}

const windowIdOf = (feature: FeatureDefinition) => `${feature.source}|${feature.entity}|${feature.key.join('+')}|${feature.windowMs}/${bucketMsOf(feature)}`;

/** Groups a feature set's definitions into shared windows and compiles their readers. */
export function compileAggregationPlan(featureSet: FeatureSet): AggregationPlan {
  const groups = new Map<string, { feature: FeatureDefinition; measures: Map<string, Measure> }>();
  for (const feature of featureSet.features) {
    const id = windowIdOf(feature);
    const group = groups.get(id) ?? { feature, measures: new Map() };
    for (const measure of measuresOf(feature.aggregation)) group.measures.set(measureKey(measure), measure);
    groups.set(id, group);
  }
  const slots = new Map<string, number>();
  const windows: WindowPlan[] = [...groups].map(([id, { feature, measures: byKey }]) => {
    const slot = slots.get(feature.entity) ?? 0;
    slots.set(feature.entity, slot + 1);
    const measures = [...byKey.values()];
    const numericFields = [...new Set(measures.flatMap((m) => (m.kind === 'count' ? [] : [m.field])))];
    const bucketMs = bucketMsOf(feature);
    return { id, entityType: feature.entity, slot, source: feature.source, key: feature.key, measures, numericFields, bucketMs, buckets: feature.windowMs / bucketMs };
  });
  const windowIndex = new Map(windows.map((w, i) => [w.id, i]));
  const windowsBySource = new Map<string, number[]>();
  windows.forEach((w, i) => windowsBySource.set(w.source, [...(windowsBySource.get(w.source) ?? []), i]));
  const entities = new Map<string, EntityPlan>();
  for (const entityType of featureSet.entityTypes) {
    const readers = featureSet.featuresOf(entityType).map((feature) => {
      const window = windows[windowIndex.get(windowIdOf(feature)) as number] as WindowPlan;
      const keys = window.measures.map(measureKey);
      return { slot: window.slot, value: compileAggregation(feature.aggregation, (measure) => keys.indexOf(measureKey(measure))) };
    });
    entities.set(entityType, { entityType, windows: windows.flatMap((w, i) => (w.entityType === entityType ? [i] : [])), readers });
  }
  return { tickMs: windows.map((w) => w.bucketMs).reduce(gcd), windows, windowsBySource, entities };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
