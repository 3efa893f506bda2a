import { contributionOf, type Measure } from './aggregation.js';
import { compileAggregationPlan, type AggregationPlan, type EntityPlan, type FeatureReader, type WindowPlan } from './aggregation-plan.js';
import { createCountedEventIds } from './counted-event-ids.js';
import type { FeatureRecord } from './feature-event.js';
import { ENTITY_ID_SEPARATOR, type FeatureSet } from './feature-set.js';
import type { FeatureSnapshot } from './feature-snapshot.js';

/** Where one source (a topic partition) stands: the last offset applied and the latest event time seen in it. */
export interface SourcePosition {
  readonly offset: bigint;
  readonly maxEventTimeMs: number;
}

/** The contents of one time bucket of one entity's window. */
export interface BucketState {
  readonly windowId: string;
  readonly entityId: string;
  /** Bucket index: the bucket holds events in [bucket·bucketMs, (bucket+1)·bucketMs) of its window. */
  readonly bucket: number;
  /** One number per measure of the window, in plan order. */
  readonly measures: Float64Array;
}

/** Everything the engine needs to continue exactly where it stopped. */
export interface EngineState {
  /** Snapshots of every boundary ≤ this tick (boundary = tick·tickMs of the plan) have been emitted. */
  readonly emittedThroughTick: number;
  /** Events before this time are already covered (by a backfill) and are skipped. */
  readonly floorMs: number;
  readonly positions: ReadonlyMap<string, SourcePosition>;
  readonly buckets: readonly BucketState[];
  /**
   * The ids of counted events the engine still remembers, by expiry group
   * (see `countedIdGroupOf`): a copy of one of them is skipped as a duplicate.
   * Default: none.
   */
  readonly countedIds?: ReadonlyMap<number, readonly string[]>;
}

/** What changed since the last {@link AggregationEngine.takeChanges}: what a checkpoint must write. */
export interface EngineChanges {
  readonly emittedThroughTick: number;
  readonly floorMs: number;
  readonly positions: ReadonlyMap<string, SourcePosition>;
  /** Sources forgotten by {@link AggregationEngine.seal}. */
  readonly retiredSources: readonly string[];
  /**
   * Buckets created or changed (live views: serialize before the next
   * `apply`). Buckets are never deleted one by one: bucket i of a window is
   * dead once the boundary emitted is past its end plus the window, so a
   * store can drop them in bulk and a restore skips them.
   */
  readonly upserts: readonly BucketState[];
  /** Ids counted since the last call, by expiry group; a group is dead once the boundary emitted reaches its start. */
  readonly countedIds: ReadonlyMap<number, readonly string[]>;
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
  /**
   * Records skipped as copies: at or below their source's applied offset (a
   * redelivery), or carrying the id of an event already counted (a producer
   * that wrote it twice).
   */
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
  /**
   * Sources (e.g. every partition of the topic) that hold the watermark back
   * from the start, even before they deliver: without them, the first source
   * to deliver would run the watermark ahead and the others' events would
   * all be too late. Default: only sources that delivered hold it.
   */
  readonly sources?: readonly string[];
}

/** Options of one {@link AggregationEngine.apply}. */
export interface ApplyOptions {
  /**
   * Sources to leave out of the watermark for now: partitions known to have
   * nothing to deliver (an idle partition would otherwise stop every window).
   * Leaving out a source that still has events waiting makes them too late,
   * so the caller decides this from the source, not from its silence. Their
   * later events still count if not too late. Default: none.
   */
  readonly isIdle?: (source: string) => boolean;
}

/**
 * Sliding event-time windows per entity, pure and deterministic: the same
 * records give the same snapshots and state, and records already applied —
 * by offset, or by event id while the event can still matter — are skipped,
 * so reprocessing or a producer's second copy never double counts.
 */
export interface AggregationEngine {
  readonly plan: AggregationPlan;
  /** Applies records in order and emits the snapshots the watermark now allows. */
  apply(records: readonly FeatureRecord[], options?: ApplyOptions): ApplyResult;
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
  /** Where each known source stands (declared or delivered): a live view, read it at once. */
  readonly positions: ReadonlyMap<string, SourcePosition>;
}

/** One entity (e.g. airport ORD) with the states of its entity type's windows, by slot. */
interface EntityState {
  readonly plan: EntityPlan;
  readonly id: string;
  readonly windows: (WindowState | undefined)[];
  /** The last boundary a snapshot of this entity was taken at; dedupes snapshots within a boundary. */
  snapshotTick: number;
}

/**
 * One entity's sliding window: the buckets inside it in a ring (bucket i in
 * slot i mod length), their running totals, and the buckets not yet inside
 * (the current and late-open ones, ahead of the watermark).
 */
interface WindowState {
  readonly plan: WindowPlan;
  readonly entity: EntityState;
  /** `buckets × measures` numbers. */
  readonly ring: Float64Array;
  /** Which ring slots hold a non-empty bucket. */
  readonly filled: Uint8Array;
  readonly totals: Float64Array;
  /** Non-empty buckets inside the window; at 0 the totals reset to exact zeros. */
  filledCount: number;
  readonly pending: Map<number, Float64Array>;
  /** Buckets below this index have entered the window (the last boundary it advanced to, in buckets). */
  entered: number;
  /** Buckets changed since the last {@link AggregationEngine.takeChanges}. */
  dirty: Set<number> | undefined;
  /** The last boundary (tick) it advanced to; a window may be scheduled at a boundary more than once. */
  advancedTick: number;
}

/** Where a source stands, updated in place per record. */
interface MutablePosition {
  offset: bigint;
  maxEventTimeMs: number;
}

/** Creates an engine; see {@link AggregationEngineOptions}. */
export function createAggregationEngine(options: AggregationEngineOptions): AggregationEngine {
  const plan = compileAggregationPlan(options.featureSet);
  const { tickMs } = plan;
  const allowedLatenessMs = options.allowedLatenessMs ?? 60_000;
  const windowIndex = new Map(plan.windows.map((w, i) => [w.id, i]));
  const entities = new Map([...plan.entities.keys()].map((entityType) => [entityType, new Map<string, EntityState>()]));
  const emptyTotals = plan.windows.map((w) => new Float64Array(w.measures.length));
  const required = requiredFields(plan);
  const schedule = new Map<number, WindowState[]>();
  const positions = new Map<string, MutablePosition>([...(options.state?.positions ?? [])].map(([source, p]) => [source, { ...p }]));
  for (const source of options.sources ?? []) {
    if (!positions.has(source)) positions.set(source, { offset: -1n, maxEventTimeMs: Number.NEGATIVE_INFINITY });
  }
  const changedPositions = new Set<string>();
  const retiredPositions = new Set<string>();
  const dirtyWindows = new Set<WindowState>();
  let emittedThroughTick = options.state?.emittedThroughTick ?? Number.NEGATIVE_INFINITY;
  let floorMs = options.state?.floorMs ?? Number.NEGATIVE_INFINITY;
  const countedIds = createCountedEventIds(options.state?.countedIds, emittedThroughTick * tickMs);
  const idHorizonMs = idHorizons(plan);

  /** Index of the first bucket of a window not yet entered at the last emitted boundary. */
  const enteredAtEmitted = (window: WindowPlan) => Math.floor((emittedThroughTick * tickMs) / window.bucketMs);

  function scheduleAt(tick: number, state: WindowState): void {
    if (tick <= emittedThroughTick) return;
    const due = schedule.get(tick);
    if (due) due.push(state);
    else schedule.set(tick, [state]);
  }

  /** A bucket enters the window at its end and leaves it a window length later. */
  function scheduleBucket(state: WindowState, bucket: number): void {
    const { bucketMs, buckets } = state.plan;
    scheduleAt(((bucket + 1) * bucketMs) / tickMs, state);
    scheduleAt(((bucket + 1 + buckets) * bucketMs) / tickMs, state);
  }

  function windowStateOf(window: WindowPlan, id: string): WindowState {
    const byId = entities.get(window.entityType) as Map<string, EntityState>;
    let entity = byId.get(id);
    if (!entity) {
      const entityPlan = plan.entities.get(window.entityType) as EntityPlan;
      entity = { plan: entityPlan, id, windows: entityPlan.windows.map(() => undefined), snapshotTick: Number.NEGATIVE_INFINITY };
      byId.set(id, entity);
    }
    let state = entity.windows[window.slot];
    if (!state) {
      const width = window.measures.length;
      state = {
        plan: window,
        entity,
        ring: new Float64Array(window.buckets * width),
        filled: new Uint8Array(window.buckets),
        totals: new Float64Array(width),
        filledCount: 0,
        pending: new Map(),
        entered: Number.isFinite(emittedThroughTick) ? enteredAtEmitted(window) : Number.NEGATIVE_INFINITY,
        dirty: undefined,
        advancedTick: Number.NEGATIVE_INFINITY,
      };
      entity.windows[window.slot] = state;
    }
    return state;
  }

  function markDirty(state: WindowState, bucket: number): void {
    if (!state.dirty) {
      state.dirty = new Set();
      dirtyWindows.add(state);
    }
    state.dirty.add(bucket);
  }

  for (const saved of options.state?.buckets ?? []) restoreBucket(saved);

  function restoreBucket(saved: BucketState): void {
    const index = windowIndex.get(saved.windowId);
    if (index === undefined) return;
    const window = plan.windows[index] as WindowPlan;
    const entered = Number.isFinite(emittedThroughTick) ? enteredAtEmitted(window) : Number.NEGATIVE_INFINITY;
    if (saved.bucket < entered - window.buckets) return;
    const state = windowStateOf(window, saved.entityId);
    if (saved.bucket >= entered) {
      state.pending.set(saved.bucket, Float64Array.from(saved.measures));
    } else {
      const slot = mod(saved.bucket, window.buckets);
      state.ring.set(saved.measures, slot * window.measures.length);
      state.filled[slot] = 1;
      state.filledCount++;
      addInto(state.totals, saved.measures, 1);
    }
    scheduleBucket(state, saved.bucket);
  }

  /** Why an event cannot be counted, or undefined when every window it feeds can read it. */
  function invalidity(record: FeatureRecord): string | undefined {
    const { fields, id, timeMs, type } = record.event;
    if (!Number.isFinite(timeMs)) return `event time ${timeMs} is not a finite number`;
    if (typeof id !== 'string' || id === '') return 'event id is missing or empty';
    const { keys, numbers } = required.get(type) as RequiredFields;
    for (const field of keys) {
      const value = fields[field];
      if (typeof value !== 'string' || value === '') return `key field ${field} is missing or empty`;
    }
    for (const field of numbers) {
      const value = fields[field];
      if (typeof value !== 'number' || !Number.isFinite(value)) return `numeric field ${field} is missing or not finite`;
    }
    return undefined;
  }

  function count(record: FeatureRecord, windows: readonly number[]): void {
    const { fields, timeMs } = record.event;
    for (const index of windows) {
      const window = plan.windows[index] as WindowPlan;
      let id = fields[window.key[0] as string] as string;
      for (let k = 1; k < window.key.length; k++) id += ENTITY_ID_SEPARATOR + (fields[window.key[k] as string] as string);
      const state = windowStateOf(window, id);
      const bucket = Math.floor(timeMs / window.bucketMs);
      let measures = state.pending.get(bucket);
      if (!measures) {
        measures = new Float64Array(window.measures.length);
        state.pending.set(bucket, measures);
        scheduleBucket(state, bucket);
      }
      for (let m = 0; m < window.measures.length; m++) measures[m] = (measures[m] as number) + contributionOf(window.measures[m] as Measure, fields);
      markDirty(state, bucket);
    }
  }

  function apply(records: readonly FeatureRecord[], applyOptions: ApplyOptions = {}): ApplyResult {
    const rejected: RejectedRecord[] = [];
    let accepted = 0;
    let duplicates = 0;
    let ignored = 0;
    for (const record of records) {
      let position = positions.get(record.source);
      if (!position) {
        position = { offset: -1n, maxEventTimeMs: Number.NEGATIVE_INFINITY };
        positions.set(record.source, position);
      } else if (record.offset <= position.offset) {
        duplicates++;
        continue;
      }
      const windows = plan.windowsBySource.get(record.event.type);
      const timeMs = record.event.timeMs;
      if (!windows || timeMs < floorMs) {
        ignored++;
        // Events no feature reads still show how far their source has come in event time.
        if (Number.isFinite(timeMs) && timeMs > position.maxEventTimeMs) position.maxEventTimeMs = timeMs;
      } else {
        const problem = invalidity(record);
        const closedBeforeMs = Math.max(position.maxEventTimeMs - allowedLatenessMs, emittedThroughTick * tickMs);
        // A copy of a counted event (same id) has no effect at all, not even on its source's
        // watermark: the first one had it. It is a duplicate, never too late, while remembered.
        if (problem !== undefined) {
          rejected.push({ record, reason: 'invalid', detail: problem });
        } else if (timeMs < closedBeforeMs) {
          if (countedIds.has(record.event.id)) duplicates++;
          else rejected.push({ record, reason: 'too_late', detail: `event time ${new Date(timeMs).toISOString()} is before the watermark ${new Date(closedBeforeMs).toISOString()}` });
        } else if (!countedIds.addIfNew(record.event.id, timeMs + (idHorizonMs.get(record.event.type) as number))) {
          duplicates++;
        } else {
          count(record, windows);
          accepted++;
          if (timeMs > position.maxEventTimeMs) position.maxEventTimeMs = timeMs;
        }
      }
      position.offset = record.offset;
      changedPositions.add(record.source);
    }
    return { snapshots: emitThrough(watermarkTick(applyOptions.isIdle)), rejected, accepted, duplicates, ignored };
  }

  /** The last boundary the watermark of every source not idle has passed. */
  function watermarkTick(isIdle?: (source: string) => boolean): number {
    let watermarkMs = Number.POSITIVE_INFINITY;
    for (const [source, { maxEventTimeMs }] of positions) {
      if (!isIdle?.(source)) watermarkMs = Math.min(watermarkMs, maxEventTimeMs - allowedLatenessMs);
    }
    return Number.isFinite(watermarkMs) ? Math.floor(watermarkMs / tickMs) : Number.NEGATIVE_INFINITY;
  }

  /**
   * Emits, boundary by boundary, a snapshot of every entity one of whose
   * windows gained or lost a bucket there. Within a boundary the order follows
   * the order windows were scheduled; only the set of snapshots matters.
   */
  function emitThrough(tick: number): FeatureSnapshot[] {
    if (!(tick > emittedThroughTick)) return [];
    const due = [...schedule.keys()].filter((t) => t <= tick).sort((a, b) => a - b);
    const snapshots: FeatureSnapshot[] = [];
    const slab = new Float64Slab();
    for (const t of due) {
      const advanced = schedule.get(t) as WindowState[];
      schedule.delete(t);
      const touched: EntityState[] = [];
      for (const state of advanced) {
        if (state.advancedTick === t) continue;
        state.advancedTick = t;
        advance(state, (t * tickMs) / state.plan.bucketMs);
        if (state.entity.snapshotTick !== t) {
          state.entity.snapshotTick = t;
          touched.push(state.entity);
        }
      }
      for (const entity of touched) {
        snapshots.push(snapshotOf(entity, t, slab));
        forgetIfEmpty(entity);
      }
    }
    emittedThroughTick = tick;
    countedIds.forgetExpired(tick * tickMs);
    return snapshots;
  }

  /** At its boundary `k` (in buckets), bucket k−1 enters the window and takes the ring slot of bucket k−1−length, which leaves. */
  function advance(state: WindowState, k: number): void {
    const width = state.plan.measures.length;
    const slot = mod(k - 1, state.plan.buckets);
    const base = slot * width;
    const { ring, totals } = state;
    if (state.filled[slot]) {
      for (let m = 0; m < width; m++) totals[m] = (totals[m] as number) - (ring[base + m] as number);
      state.filledCount--;
    }
    const entering = state.pending.get(k - 1);
    if (entering) {
      ring.set(entering, base);
      for (let m = 0; m < width; m++) totals[m] = (totals[m] as number) + (entering[m] as number);
      state.filled[slot] = 1;
      state.filledCount++;
      state.pending.delete(k - 1);
    } else {
      ring.fill(0, base, base + width);
      state.filled[slot] = 0;
    }
    // Sums of non-integers do not cancel exactly; an empty window is exactly zero.
    if (state.filledCount === 0) totals.fill(0);
    state.entered = k;
  }

  function snapshotOf(entity: EntityState, tick: number, slab: Float64Slab): FeatureSnapshot {
    const { readers, windows } = entity.plan;
    const values = slab.take(readers.length);
    for (let i = 0; i < readers.length; i++) {
      const reader = readers[i] as FeatureReader;
      const state = entity.windows[reader.slot];
      values[i] = reader.value(state ? state.totals : (emptyTotals[windows[reader.slot] as number] as Float64Array));
    }
    return { entityType: entity.plan.entityType, entityId: entity.id, timeMs: tick * tickMs, values };
  }

  /** Drops windows with no bucket left, and the entity once it has none: its values are all back to empty. */
  function forgetIfEmpty(entity: EntityState): void {
    let live = 0;
    for (let slot = 0; slot < entity.windows.length; slot++) {
      const state = entity.windows[slot];
      if (!state) continue;
      if (state.filledCount === 0 && state.pending.size === 0) entity.windows[slot] = undefined;
      else live++;
    }
    if (live === 0) entities.get(entity.plan.entityType)?.delete(entity.id);
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
    return emitThrough(Math.floor(timeMs / tickMs));
  }

  /** A bucket's measures while it is pending or inside its window; undefined once it has left. */
  function bucketOf(state: WindowState, bucket: number): Float64Array | undefined {
    const pending = state.pending.get(bucket);
    if (pending) return pending;
    if (bucket >= state.entered || bucket < state.entered - state.plan.buckets) return undefined;
    const width = state.plan.measures.length;
    const base = mod(bucket, state.plan.buckets) * width;
    return state.ring.subarray(base, base + width);
  }

  function takeChanges(): EngineChanges {
    const upserts: BucketState[] = [];
    for (const state of dirtyWindows) {
      const windowId = state.plan.id;
      for (const bucket of state.dirty ?? []) {
        const measures = bucketOf(state, bucket);
        if (measures) upserts.push({ windowId, entityId: state.entity.id, bucket, measures });
      }
      state.dirty = undefined;
    }
    const changed = new Map<string, SourcePosition>();
    for (const source of changedPositions) {
      const position = positions.get(source);
      if (position) changed.set(source, { ...position });
    }
    const retired = [...retiredPositions].filter((source) => !positions.has(source));
    dirtyWindows.clear();
    changedPositions.clear();
    retiredPositions.clear();
    return { emittedThroughTick, floorMs, positions: changed, retiredSources: retired, upserts, countedIds: countedIds.takeAdded() };
  }

  function state(): EngineState {
    const buckets: BucketState[] = [];
    for (const byId of entities.values()) {
      for (const entity of byId.values()) {
        for (const window of entity.windows) {
          if (!window) continue;
          const { id: windowId, buckets: length } = window.plan;
          const first = window.entered - length;
          for (let slot = 0; slot < length; slot++) {
            if (!window.filled[slot]) continue;
            const bucket = first + mod(slot - first, length);
            buckets.push({ windowId, entityId: entity.id, bucket, measures: Float64Array.from(bucketOf(window, bucket) as Float64Array) });
          }
          for (const [bucket, measures] of window.pending) buckets.push({ windowId, entityId: entity.id, bucket, measures: Float64Array.from(measures) });
        }
      }
    }
    return { emittedThroughTick, floorMs, positions: new Map([...positions].map(([source, p]) => [source, { ...p }])), buckets, countedIds: countedIds.groups() };
  }

  return { plan, apply, seal, takeChanges, state, positions };
}

interface RequiredFields {
  readonly keys: readonly string[];
  readonly numbers: readonly string[];
}

/** Per event type, the key and numeric fields its windows read. */
function requiredFields(plan: AggregationPlan): Map<string, RequiredFields> {
  const required = new Map<string, RequiredFields>();
  for (const [source, indices] of plan.windowsBySource) {
    const windows = indices.map((i) => plan.windows[i] as WindowPlan);
    required.set(source, { keys: [...new Set(windows.flatMap((w) => w.key))], numbers: [...new Set(windows.flatMap((w) => w.numericFields))] });
  }
  return required;
}

/**
 * Per event type, how long after its event time its id is remembered (in
 * emitted boundaries): until the event's bucket has left the longest window it
 * feeds. Values would be right with far less — once the boundary passes an
 * event's time, a copy of it is refused as too late, never counted — but a
 * copy is then dead-lettered as if it were a lost event. While its buckets
 * live, a copy is still "the same event" to every value, so it is reported as
 * a duplicate; the memory stays bounded by the longest window's events (a week
 * of arrivals, about an hour of departures on the flights).
 */
function idHorizons(plan: AggregationPlan): Map<string, number> {
  const horizons = new Map<string, number>();
  for (const [source, indices] of plan.windowsBySource) {
    const longest = Math.max(...indices.map((i) => {
      const window = plan.windows[i] as WindowPlan;
      return (window.buckets + 1) * window.bucketMs;
    }));
    horizons.set(source, longest);
  }
  return horizons;
}

function addInto(target: Float64Array, source: ArrayLike<number>, sign: 1 | -1): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) + sign * (source[i] as number);
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/**
 * Hands out views of large Float64Arrays: one small typed array per snapshot
 * would each get a backing store of its own outside the heap, which made
 * allocation and garbage collection the engine's main cost.
 */
class Float64Slab {
  #slab = new Float64Array(0);
  #used = 0;

  take(length: number): Float64Array {
    if (this.#used + length > this.#slab.length) {
      this.#slab = new Float64Array(Math.max(length, 1 << 14));
      this.#used = 0;
    }
    this.#used += length;
    return this.#slab.subarray(this.#used - length, this.#used);
  }
}
