import { contributionOf, type Measure } from './aggregation.js';
import { compileAggregationPlan, type AggregationPlan, type SeriesPlan } from './aggregation-plan.js';
import type { FeatureRecord } from './feature-event.js';
import { entityId, type FeatureSet } from './feature-set.js';
import type { FeatureSnapshot } from './feature-snapshot.js';

/** Where one source (a topic partition) stands: the last offset applied and the latest event time seen in it. */
export interface SourcePosition {
  readonly offset: bigint;
  readonly maxEventTimeMs: number;
}

/** The contents of one time bucket of one entity's series. */
export interface BucketState {
  readonly seriesId: string;
  readonly entityId: string;
  /** Bucket index: the bucket holds events in [bucket·bucketMs, (bucket+1)·bucketMs). */
  readonly bucket: number;
  /** One number per measure of the series, in plan order. */
  readonly measures: Float64Array;
}

/** Everything the engine needs to continue exactly where it stopped. */
export interface EngineState {
  /** Snapshots of every bucket boundary ≤ this tick (boundary = tick·bucketMs) have been emitted. */
  readonly emittedThroughTick: number;
  /** Events before this time are already covered (by a backfill) and are skipped. */
  readonly floorMs: number;
  readonly positions: ReadonlyMap<string, SourcePosition>;
  readonly buckets: readonly BucketState[];
}

/** What changed since the last {@link AggregationEngine.takeChanges}: what a checkpoint must write. */
export interface EngineChanges {
  readonly emittedThroughTick: number;
  readonly floorMs: number;
  readonly positions: ReadonlyMap<string, SourcePosition>;
  /** Sources forgotten by {@link AggregationEngine.seal}. */
  readonly retiredSources: readonly string[];
  readonly upserts: readonly BucketState[];
  readonly deletions: readonly Omit<BucketState, 'measures'>[];
}

/** Why an event was not counted; the caller routes these to the DLQ. */
export type RejectionReason = 'too_late' | 'invalid';

/** An event the engine refused, with the reason and a human-readable detail. */
export interface RejectedRecord {
  readonly record: FeatureRecord;
  readonly reason: RejectionReason;
  readonly detail: string;
}

/** The outcome of {@link AggregationEngine.apply}. */
export interface ApplyResult {
  /** Values of every entity that changed at each bucket boundary the watermark passed, in time order. */
  readonly snapshots: readonly FeatureSnapshot[];
  /** Events not counted: later than the allowed lateness, or missing a field. */
  readonly rejected: readonly RejectedRecord[];
  /** Events counted. */
  readonly accepted: number;
  /** Records at or below their source's applied offset: a redelivery, skipped. */
  readonly duplicates: number;
  /** Events no feature reads, or already covered by a backfill. */
  readonly ignored: number;
}

/** Options of {@link createAggregationEngine}. */
export interface AggregationEngineOptions {
  readonly featureSet: FeatureSet;
  /**
   * How far behind the latest event time of its own source an event may be
   * and still count. Later events are rejected as `too_late`. Values at a
   * boundary are emitted only once every source's watermark (latest event time
   * minus this) has passed it. Default 60 000.
   */
  readonly allowedLatenessMs?: number;
  /** State to continue from (a checkpoint). Default: empty. */
  readonly state?: EngineState;
}

/**
 * Sliding event-time windows per entity, pure and deterministic: the same
 * records give the same snapshots and state, and records already applied are
 * skipped, so reprocessing never double counts.
 */
export interface AggregationEngine {
  readonly plan: AggregationPlan;
  /** Applies records in order and emits the snapshots the watermark now allows. */
  apply(records: readonly FeatureRecord[]): ApplyResult;
  /**
   * Declares that no event before `timeMs` will be counted any more and emits
   * every boundary up to it, whatever the watermark. A backfill ends with this;
   * events before it that arrive later are ignored as covered, and sources
   * whose latest event precedes it are forgotten.
   */
  seal(timeMs: number): readonly FeatureSnapshot[];
  /** The changes since the last call, and forgets them. */
  takeChanges(): EngineChanges;
  /** The whole state, e.g. to compare two engines. */
  state(): EngineState;
}

/** One entity's bucketed series with the running totals of each of its windows. */
interface SeriesState {
  readonly series: number;
  readonly entityId: string;
  readonly buckets: Map<number, Float64Array>;
  /** Per window: the sum of the buckets inside it. */
  readonly totals: Float64Array[];
  /** Per window: how many non-empty buckets are inside it; at 0 the totals reset to exact zeros. */
  readonly occupied: number[];
}

/** Creates an engine; see {@link AggregationEngineOptions}. */
export function createAggregationEngine(options: AggregationEngineOptions): AggregationEngine {
  const plan = compileAggregationPlan(options.featureSet);
  const { bucketMs } = plan;
  const allowedLatenessMs = options.allowedLatenessMs ?? 60_000;
  const seriesIndex = new Map(plan.series.map((s, i) => [s.id, i]));
  const states = plan.series.map(() => new Map<string, SeriesState>());
  const emptyTotals = plan.series.map((s) => new Float64Array(s.measures.length));
  const schedule = new Map<number, Set<SeriesState>>();
  const positions = new Map<string, SourcePosition>(options.state?.positions ?? []);
  const changedPositions = new Set<string>();
  const retiredPositions = new Set<string>();
  const dirtyBuckets = new Map<SeriesState, Set<number>>();
  let emittedThroughTick = options.state?.emittedThroughTick ?? Number.NEGATIVE_INFINITY;
  let floorMs = options.state?.floorMs ?? Number.NEGATIVE_INFINITY;

  const planOf = (state: SeriesState) => plan.series[state.series] as SeriesPlan;

  function scheduleAt(tick: number, state: SeriesState): void {
    if (tick <= emittedThroughTick) return;
    const due = schedule.get(tick);
    if (due) due.add(state);
    else schedule.set(tick, new Set([state]));
  }

  /** A new bucket enters each window at the next boundary and leaves each window its length later. */
  function scheduleBucket(state: SeriesState, bucket: number): void {
    scheduleAt(bucket + 1, state);
    for (const length of planOf(state).windowBuckets) scheduleAt(bucket + length + 1, state);
  }

  function stateOf(series: number, id: string): SeriesState {
    const map = states[series] as Map<string, SeriesState>;
    let state = map.get(id);
    if (!state) {
      const { windowBuckets, measures } = plan.series[series] as SeriesPlan;
      state = {
        series,
        entityId: id,
        buckets: new Map(),
        totals: windowBuckets.map(() => new Float64Array(measures.length)),
        occupied: windowBuckets.map(() => 0),
      };
      map.set(id, state);
    }
    return state;
  }

  function markDirty(state: SeriesState, bucket: number): void {
    const set = dirtyBuckets.get(state);
    if (set) set.add(bucket);
    else dirtyBuckets.set(state, new Set([bucket]));
  }

  for (const saved of options.state?.buckets ?? []) restoreBucket(saved);

  function restoreBucket(saved: BucketState): void {
    const series = seriesIndex.get(saved.seriesId);
    if (series === undefined) return;
    const state = stateOf(series, saved.entityId);
    state.buckets.set(saved.bucket, Float64Array.from(saved.measures));
    planOf(state).windowBuckets.forEach((length, w) => {
      if (saved.bucket < emittedThroughTick && saved.bucket >= emittedThroughTick - length) {
        addInto(state.totals[w] as Float64Array, saved.measures, 1);
        state.occupied[w] = (state.occupied[w] as number) + 1;
      }
    });
    scheduleBucket(state, saved.bucket);
  }

  /** Why an event cannot be counted, or undefined when every series it feeds can read it. */
  function invalidity(record: FeatureRecord, series: readonly number[]): string | undefined {
    const { fields, timeMs } = record.event;
    if (!Number.isFinite(timeMs)) return `event time ${timeMs} is not a finite number`;
    for (const index of series) {
      const s = plan.series[index] as SeriesPlan;
      for (const field of s.key) {
        const value = fields[field];
        if (typeof value !== 'string' || value === '') return `key field ${field} is missing or empty`;
      }
      for (const field of s.numericFields) {
        const value = fields[field];
        if (typeof value !== 'number' || !Number.isFinite(value)) return `numeric field ${field} is missing or not finite`;
      }
    }
    return undefined;
  }

  function count(record: FeatureRecord, series: readonly number[]): void {
    const { fields, timeMs } = record.event;
    const bucket = Math.floor(timeMs / bucketMs);
    for (const index of series) {
      const s = plan.series[index] as SeriesPlan;
      const state = stateOf(index, entityId(...s.key.map((field) => fields[field] as string)));
      let measures = state.buckets.get(bucket);
      if (!measures) {
        measures = new Float64Array(s.measures.length);
        state.buckets.set(bucket, measures);
        scheduleBucket(state, bucket);
      }
      for (let m = 0; m < s.measures.length; m++) measures[m] = (measures[m] as number) + contributionOf(s.measures[m] as Measure, fields);
      markDirty(state, bucket);
    }
  }

  function apply(records: readonly FeatureRecord[]): ApplyResult {
    const rejected: RejectedRecord[] = [];
    let accepted = 0;
    let duplicates = 0;
    let ignored = 0;
    for (const record of records) {
      const position = positions.get(record.source);
      if (position && record.offset <= position.offset) {
        duplicates++;
        continue;
      }
      const maxEventTimeMs = position?.maxEventTimeMs ?? Number.NEGATIVE_INFINITY;
      const series = plan.seriesBySource.get(record.event.type);
      const timeMs = record.event.timeMs;
      let newMax = maxEventTimeMs;
      if (!series || timeMs < floorMs) {
        ignored++;
        // Events no feature reads still show how far their source has come in event time.
        if (Number.isFinite(timeMs)) newMax = Math.max(maxEventTimeMs, timeMs);
      } else {
        const problem = invalidity(record, series);
        const closedBeforeMs = Math.max(maxEventTimeMs - allowedLatenessMs, emittedThroughTick * bucketMs);
        if (problem !== undefined) {
          rejected.push({ record, reason: 'invalid', detail: problem });
        } else if (timeMs < closedBeforeMs) {
          rejected.push({ record, reason: 'too_late', detail: `event time ${new Date(timeMs).toISOString()} is before the watermark ${new Date(closedBeforeMs).toISOString()}` });
        } else {
          count(record, series);
          accepted++;
          newMax = Math.max(maxEventTimeMs, timeMs);
        }
      }
      positions.set(record.source, { offset: record.offset, maxEventTimeMs: newMax });
      changedPositions.add(record.source);
    }
    return { snapshots: emitThrough(watermarkTick()), rejected, accepted, duplicates, ignored };
  }

  /** The last boundary every source's watermark has passed. */
  function watermarkTick(): number {
    let watermarkMs = Number.POSITIVE_INFINITY;
    for (const { maxEventTimeMs } of positions.values()) watermarkMs = Math.min(watermarkMs, maxEventTimeMs - allowedLatenessMs);
    return Number.isFinite(watermarkMs) ? Math.floor(watermarkMs / bucketMs) : Number.NEGATIVE_INFINITY;
  }

  function emitThrough(tick: number): FeatureSnapshot[] {
    if (!(tick > emittedThroughTick)) return [];
    const due = [...schedule.keys()].filter((t) => t <= tick).sort((a, b) => a - b);
    const snapshots: FeatureSnapshot[] = [];
    for (const t of due) {
      const advanced = schedule.get(t) as Set<SeriesState>;
      schedule.delete(t);
      const changed = new Map<string, Set<string>>();
      for (const state of advanced) {
        advance(state, t);
        const entityType = planOf(state).entityType;
        const ids = changed.get(entityType) ?? new Set<string>();
        ids.add(state.entityId);
        changed.set(entityType, ids);
      }
      for (const [entityType, ids] of changed) {
        for (const id of [...ids].sort()) snapshots.push(snapshotOf(entityType, id, t));
      }
      for (const state of advanced) {
        if (state.buckets.size === 0) states[state.series]?.delete(state.entityId);
      }
    }
    emittedThroughTick = tick;
    return snapshots;
  }

  /** At boundary `tick`, bucket tick−1 enters every window and bucket tick−1−length leaves each. */
  function advance(state: SeriesState, tick: number): void {
    const s = planOf(state);
    const entering = state.buckets.get(tick - 1);
    s.windowBuckets.forEach((length, w) => {
      const totals = state.totals[w] as Float64Array;
      if (entering) {
        addInto(totals, entering, 1);
        state.occupied[w] = (state.occupied[w] as number) + 1;
      }
      const leaving = state.buckets.get(tick - 1 - length);
      if (leaving) {
        addInto(totals, leaving, -1);
        state.occupied[w] = (state.occupied[w] as number) - 1;
        // Sums of non-integers do not cancel exactly; an empty window is exactly zero.
        if (state.occupied[w] === 0) totals.fill(0);
      }
    });
    const expired = tick - 1 - s.retentionBuckets;
    if (state.buckets.delete(expired)) markDirty(state, expired);
  }

  function snapshotOf(entityType: string, id: string, tick: number): FeatureSnapshot {
    const readers = plan.readersByEntity.get(entityType) ?? [];
    const values = new Float64Array(readers.length);
    readers.forEach((reader, i) => {
      const state = states[reader.series]?.get(id);
      values[i] = reader.value(state ? (state.totals[reader.window] as Float64Array) : (emptyTotals[reader.series] as Float64Array));
    });
    return { entityType, entityId: id, timeMs: tick * bucketMs, values };
  }

  function seal(timeMs: number): readonly FeatureSnapshot[] {
    floorMs = Math.max(floorMs, timeMs);
    // A source whose events all precede the seal can add nothing more (anything it
    // redelivers is covered), so it must no longer hold the watermark back.
    for (const [source, position] of positions) {
      if (position.maxEventTimeMs < floorMs) {
        positions.delete(source);
        retiredPositions.add(source);
      }
    }
    return emitThrough(Math.floor(timeMs / bucketMs));
  }

  function takeChanges(): EngineChanges {
    const upserts: BucketState[] = [];
    const deletions: Omit<BucketState, 'measures'>[] = [];
    for (const [state, buckets] of dirtyBuckets) {
      const seriesId = planOf(state).id;
      for (const bucket of buckets) {
        const measures = state.buckets.get(bucket);
        if (measures) upserts.push({ seriesId, entityId: state.entityId, bucket, measures: Float64Array.from(measures) });
        else deletions.push({ seriesId, entityId: state.entityId, bucket });
      }
    }
    const changed = new Map([...changedPositions].filter((source) => positions.has(source)).map((source) => [source, positions.get(source) as SourcePosition]));
    const retired = [...retiredPositions].filter((source) => !positions.has(source));
    dirtyBuckets.clear();
    changedPositions.clear();
    retiredPositions.clear();
    return { emittedThroughTick, floorMs, positions: changed, retiredSources: retired, upserts, deletions };
  }

  function state(): EngineState {
    const buckets: BucketState[] = [];
    states.forEach((map, series) => {
      const seriesId = (plan.series[series] as SeriesPlan).id;
      for (const s of map.values()) {
        for (const [bucket, measures] of s.buckets) buckets.push({ seriesId, entityId: s.entityId, bucket, measures: Float64Array.from(measures) });
      }
    });
    return { emittedThroughTick, floorMs, positions: new Map(positions), buckets };
  }

  return { plan, apply, seal, takeChanges, state };
}

function addInto(target: Float64Array, source: Float64Array, sign: 1 | -1): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) + sign * (source[i] as number);
}
