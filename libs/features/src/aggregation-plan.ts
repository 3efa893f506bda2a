import { compileAggregation, measureKey, measuresOf, type Measure } from './aggregation.js';
import type { FeatureSet } from './feature-set.js';

/**
 * One bucketed time series per (entity type, source event type, key): every
 * feature over the same events shares its buckets, whatever its aggregation or
 * window, so an arrival updates one bucket per entity, not one per feature.
 */
export interface SeriesPlan {
  /** Stable name, e.g. `flight.arrived|airport|origin`; part of the persisted state. */
  readonly id: string;
  readonly entityType: string;
  readonly source: string;
  readonly key: readonly string[];
  readonly measures: readonly Measure[];
  /** Numeric fields the measures read; an event missing one is invalid. */
  readonly numericFields: readonly string[];
  /** Distinct window lengths of its features, in buckets, ascending. */
  readonly windowBuckets: readonly number[];
  /** How many buckets are kept: the longest window. */
  readonly retentionBuckets: number;
}

/** How one feature's value is read from the series' window totals. */
export interface FeatureReader {
  readonly series: number;
  readonly window: number;
  readonly value: (totals: Float64Array) => number;
}

/** A feature set compiled for the aggregation engine. */
export interface AggregationPlan {
  readonly bucketMs: number;
  readonly series: readonly SeriesPlan[];
  /** Indices into `series` of the series an event type feeds. */
  readonly seriesBySource: ReadonlyMap<string, readonly number[]>;
  /** Per entity type, one reader per feature in `featuresOf(entityType)` order. */
  readonly readersByEntity: ReadonlyMap<string, readonly FeatureReader[]>;
}

/** Groups a feature set's definitions into shared series and compiles their readers. */
export function compileAggregationPlan(featureSet: FeatureSet): AggregationPlan {
  const { bucketMs } = featureSet;
  const groups = new Map<string, { entityType: string; source: string; key: readonly string[]; measures: Map<string, Measure>; windows: Set<number> }>();
  const seriesIdOf = (feature: FeatureSet['features'][number]) => `${feature.source}|${feature.entity}|${feature.key.join('+')}`;
  for (const feature of featureSet.features) {
    const id = seriesIdOf(feature);
    const group = groups.get(id) ?? { entityType: feature.entity, source: feature.source, key: feature.key, measures: new Map(), windows: new Set() };
    for (const measure of measuresOf(feature.aggregation)) group.measures.set(measureKey(measure), measure);
    group.windows.add(feature.windowMs / bucketMs);
    groups.set(id, group);
  }
  const series: SeriesPlan[] = [...groups].map(([id, group]) => {
    const windowBuckets = [...group.windows].sort((a, b) => a - b);
    const measures = [...group.measures.values()];
    const numericFields = [...new Set(measures.flatMap((m) => (m.kind === 'count' ? [] : [m.field])))];
    return { id, entityType: group.entityType, source: group.source, key: group.key, measures, numericFields, windowBuckets, retentionBuckets: windowBuckets.at(-1) as number };
  });
  const seriesIndex = new Map(series.map((s, i) => [s.id, i]));
  const seriesBySource = new Map<string, number[]>();
  series.forEach((s, i) => seriesBySource.set(s.source, [...(seriesBySource.get(s.source) ?? []), i]));
  const readersByEntity = new Map<string, FeatureReader[]>();
  for (const entityType of featureSet.entityTypes) {
    readersByEntity.set(
      entityType,
      featureSet.featuresOf(entityType).map((feature) => {
        const index = seriesIndex.get(seriesIdOf(feature)) as number;
        const plan = series[index] as SeriesPlan;
        const keys = plan.measures.map(measureKey);
        return {
          series: index,
          window: plan.windowBuckets.indexOf(feature.windowMs / bucketMs),
          value: compileAggregation(feature.aggregation, (measure) => keys.indexOf(measureKey(measure))),
        };
      }),
    );
  }
  return { bucketMs, series, seriesBySource, readersByEntity };
}
