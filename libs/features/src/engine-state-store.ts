import type { Cluster, Redis } from 'ioredis';
import type { BucketState, EngineChanges, EngineState, SourcePosition } from './aggregation-engine.js';
import type { AggregationPlan, WindowPlan } from './aggregation-plan.js';
import { isCountedIdGroupExpired } from './counted-event-ids.js';
import { OnlineStoreError, StateOwnershipLostError, StateVersionMismatchError } from './errors.js';

/** Options of {@link createEngineStateStore}. */
export interface EngineStateStoreOptions {
  /**
   * A connection of its own: commits WATCH a key, and WATCH belongs to the
   * connection. One server or a Redis Cluster (every key of the state shares
   * the hash tag `{_state}`, so the MULTI stays in one slot).
   */
  readonly redis: Redis | Cluster;
  readonly plan: AggregationPlan;
  /** Feature set version; a state saved by another version is refused. */
  readonly version: string;
  /**
   * Keys are `<prefix>:{_state}:meta`, `<prefix>:{_state}:window:<window id>:<day>`
   * and `<prefix>:{_state}:ids:<group>`. Default `features`.
   */
  readonly prefix?: string;
}

/** The state a processor took over, and the epoch that proves it is the owner. */
export interface AcquiredState {
  readonly epoch: number;
  /** Undefined when nothing was saved yet, or when `unchanged`. */
  readonly state: EngineState | undefined;
  /** True when the epoch moved straight on from the caller's: nobody took the state since, so it was not loaded. */
  readonly unchanged: boolean;
}

/**
 * The aggregation engine's checkpoint in Redis: source offsets, watermark
 * boundary, buckets and the ids of the events counted, written in one MULTI,
 * so offsets never advance without the state they produced, nor the other
 * way round, and an id is remembered exactly when its counts are saved.
 */
export interface EngineStateStore {
  /**
   * Bumps the owner epoch (fencing off any previous owner) and loads the saved
   * state — unless the new epoch follows `heldEpoch`, the caller's own, whose
   * checkpoints are all in: then the state is what the caller has in memory.
   */
  acquire(heldEpoch?: number): Promise<AcquiredState>;
  /**
   * Serializes `changes` at once (their bucket measures are live views), on
   * top of the changes prepared before: prepare in the order batches were
   * applied, and commit in that order too.
   */
  prepare(changes: EngineChanges): PreparedCommit;
  /**
   * Atomically writes a prepared commit, provided `epoch` still owns the
   * state; otherwise fails with {@link StateOwnershipLostError} and writes
   * nothing. After a failed commit, `acquire` again: later prepared commits
   * assumed this one.
   */
  commit(epoch: number, prepared: PreparedCommit): Promise<void>;
  /** Deletes the saved state. */
  clear(): Promise<void>;
}

/** The Redis commands of one batch's checkpoint, ready to run in a MULTI. */
export interface PreparedCommit {
  readonly commands: readonly (readonly [command: 'hset' | 'hdel' | 'del', key: string, ...args: string[]])[];
}

/** Bucket fields per HSET, to keep single commands small. */
const FIELDS_PER_COMMAND = 5_000;
const DAY_MS = 86_400_000;

/** Tries of a checkpoint whose transaction aborts while this processor still owns the state. */
const MAX_COMMIT_ATTEMPTS = 5;

/**
 * Creates the store; see {@link EngineStateStore}. Buckets live in one hash
 * per window and day (`<prefix>:{_state}:window:<window id>:<day>`, field
 * `<bucket>:<entity id>`), so once a day is past its window its whole hash is
 * deleted with one DEL instead of one HDEL per bucket. Counted ids live in one
 * hash per expiry group (`<prefix>:{_state}:ids:<group>`, field the id), dropped
 * whole the same way.
 */
export function createEngineStateStore(options: EngineStateStoreOptions): EngineStateStore {
  const { redis, plan, version, prefix = 'features' } = options;
  const stateKeys = (base: string) => ({
    meta: `${base}:meta`,
    day: (windowId: string, day: number) => `${base}:window:${windowId}:${day}`,
    ids: (group: number) => `${base}:ids:${group}`,
  });
  // The hash tag puts the whole state in one cluster slot: one MULTI writes it all.
  const { meta: metaKey, day: dayKey, ids: idsKey } = stateKeys(`${prefix}:{_state}`);
  const legacy = stateKeys(`${prefix}:_state`);
  const dayOf = (window: WindowPlan, bucket: number) => Math.floor((bucket * window.bucketMs) / DAY_MS);
  const windowsById = new Map(plan.windows.map((w) => [w.id, w]));
  /** Days with a bucket hash, per window id, once every prepared commit is in. */
  let liveDays = new Map<string, readonly number[]>();
  /** Groups with an ids hash, once every prepared commit is in. */
  let liveIdGroups: readonly number[] = [];

  const parseNumbers = (value: string | undefined) => (value ? value.split(',').map(Number) : []);

  /**
   * Renames a state saved under the keys of releases before the hash tag
   * (`<prefix>:_state:…`) to the tagged ones, all in one MULTI, when only the
   * old one exists. Only a single server can hold one: its MULTI spans slots.
   */
  async function migrateLegacyState(): Promise<void> {
    if (redis.isCluster || (await redis.exists(metaKey)) === 1) return;
    const meta = await redis.hgetall(legacy.meta);
    if (Object.keys(meta).length === 0) return;
    const renames: [from: string, to: string][] = [[legacy.meta, metaKey]];
    for (const window of plan.windows) for (const day of parseNumbers(meta[`days:${window.id}`])) renames.push([legacy.day(window.id, day), dayKey(window.id, day)]);
    for (const group of parseNumbers(meta['ids'])) renames.push([legacy.ids(group), idsKey(group)]);
    const existing = await Promise.all(renames.map(([from]) => redis.exists(from)));
    const multi = redis.multi();
    renames.forEach(([from, to], i) => {
      if (existing[i] === 1) multi.rename(from, to);
    });
    await multi.exec();
  }

  async function load(meta: Record<string, string>): Promise<EngineState | undefined> {
    liveDays = new Map(plan.windows.map((w) => [w.id, parseNumbers(meta[`days:${w.id}`])]));
    liveIdGroups = parseNumbers(meta['ids']);
    if (meta['tick'] === undefined) return undefined;
    const positions = new Map<string, SourcePosition>();
    for (const [field, value] of Object.entries(meta)) {
      if (!field.startsWith('source:')) continue;
      const [offset, maxEventTimeMs] = value.split(',');
      positions.set(field.slice('source:'.length), { offset: BigInt(offset as string), maxEventTimeMs: Number(maxEventTimeMs) });
    }
    const buckets: BucketState[] = [];
    for (const [windowId, days] of liveDays) {
      for (const day of days) {
        for (const [field, value] of Object.entries(await redis.hgetall(dayKey(windowId, day)))) {
          const colon = field.indexOf(':');
          buckets.push({ windowId, entityId: field.slice(colon + 1), bucket: Number(field.slice(0, colon)), measures: Float64Array.from(value.split(','), Number) });
        }
      }
    }
    const countedIds = new Map(await Promise.all(liveIdGroups.map(async (group) => [group, await redis.hkeys(idsKey(group))] as const)));
    return { emittedThroughTick: Number(meta['tick']), floorMs: Number(meta['floor']), positions, buckets, countedIds };
  }

  function prepare(changes: EngineChanges): PreparedCommit {
    const commands: [command: 'hset' | 'hdel' | 'del', key: string, ...args: string[]][] = [];
    const meta: string[] = ['version', version, 'tick', String(changes.emittedThroughTick), 'floor', String(changes.floorMs)];
    for (const [source, position] of changes.positions) meta.push(`source:${source}`, `${position.offset},${position.maxEventTimeMs}`);
    const fieldsByKey = new Map<string, string[]>();
    const touchedDays = new Map<string, Set<number>>(plan.windows.map((w) => [w.id, new Set(liveDays.get(w.id))]));
    for (const { windowId, entityId, bucket, measures } of changes.upserts) {
      const day = dayOf(windowsById.get(windowId) as WindowPlan, bucket);
      touchedDays.get(windowId)?.add(day);
      const key = dayKey(windowId, day);
      const fields = fieldsByKey.get(key) ?? [];
      fields.push(`${bucket}:${entityId}`, measures.join(','));
      fieldsByKey.set(key, fields);
    }
    for (const [key, fields] of fieldsByKey) {
      for (let i = 0; i < fields.length; i += 2 * FIELDS_PER_COMMAND) commands.push(['hset', key, ...fields.slice(i, i + 2 * FIELDS_PER_COMMAND)]);
    }
    const nextDays = new Map<string, readonly number[]>();
    const deadKeys: string[] = [];
    for (const window of plan.windows) {
      // A bucket is dead once the boundary emitted is a window length past its end: see EngineChanges.upserts.
      const firstLiveBucket = Math.floor((changes.emittedThroughTick * plan.tickMs) / window.bucketMs) - window.buckets;
      const firstLiveDay = Number.isFinite(firstLiveBucket) ? dayOf(window, firstLiveBucket) : Number.NEGATIVE_INFINITY;
      const days = [...(touchedDays.get(window.id) ?? [])].sort((a, b) => a - b);
      for (const day of days) if (day < firstLiveDay) deadKeys.push(dayKey(window.id, day));
      const live = days.filter((day) => day >= firstLiveDay);
      nextDays.set(window.id, live);
      meta.push(`days:${window.id}`, live.join(','));
    }
    const boundaryMs = changes.emittedThroughTick * plan.tickMs;
    const idGroups = new Set(liveIdGroups);
    for (const [group, ids] of changes.countedIds) {
      if (isCountedIdGroupExpired(group, boundaryMs)) continue;
      idGroups.add(group);
      for (let i = 0; i < ids.length; i += FIELDS_PER_COMMAND) commands.push(['hset', idsKey(group), ...ids.slice(i, i + FIELDS_PER_COMMAND).flatMap((id) => [id, '1'])]);
    }
    const liveGroups = [...idGroups].sort((a, b) => a - b).filter((group) => {
      if (!isCountedIdGroupExpired(group, boundaryMs)) return true;
      deadKeys.push(idsKey(group));
      return false;
    });
    meta.push('ids', liveGroups.join(','));
    for (const key of deadKeys) commands.push(['del', key]);
    commands.push(['hset', metaKey, ...meta]);
    if (changes.retiredSources.length > 0) commands.push(['hdel', metaKey, ...changes.retiredSources.map((source) => `source:${source}`)]);
    liveDays = nextDays;
    liveIdGroups = liveGroups;
    return { commands };
  }

  return {
    async acquire(heldEpoch) {
      try {
        await migrateLegacyState();
        const savedVersion = await redis.hget(metaKey, 'version');
        if (savedVersion !== null && savedVersion !== version) throw new StateVersionMismatchError(savedVersion, version);
        const epoch = await redis.hincrby(metaKey, 'epoch', 1);
        if (heldEpoch !== undefined && epoch === heldEpoch + 1) return { epoch, state: undefined, unchanged: true };
        return { epoch, state: await load(await redis.hgetall(metaKey)), unchanged: false };
      } catch (error) {
        if (error instanceof StateVersionMismatchError) throw error;
        throw new OnlineStoreError('state load', error);
      }
    },
    prepare,
    async commit(epoch, prepared) {
      for (let attempt = 1; ; attempt++) {
        let results: [error: Error | null, result: unknown][] | null;
        try {
          await redis.watch(metaKey);
          const owner = Number(await redis.hget(metaKey, 'epoch'));
          if (owner !== epoch) {
            await redis.unwatch();
            throw new StateOwnershipLostError(epoch, owner);
          }
          const multi = redis.multi();
          for (const [command, key, ...args] of prepared.commands) multi[command](key, ...args);
          results = await multi.exec();
        } catch (error) {
          if (error instanceof StateOwnershipLostError) throw error;
          throw new OnlineStoreError('state commit', error);
        }
        if (results !== null) {
          const failed = results.find(([error]) => error);
          if (failed) throw new OnlineStoreError('state commit', failed[0]);
          return;
        }
        // EXEC returns null when the watched key changed. A new owner taking the
        // epoch is the usual cause; if the epoch is still ours the abort was
        // spurious (seen on a Redis Cluster) and nothing was applied, so the
        // commit is tried again under a new WATCH, which checks the epoch again.
        let owner: number;
        try {
          owner = Number(await redis.hget(metaKey, 'epoch'));
        } catch (error) {
          throw new OnlineStoreError('state commit', error);
        }
        if (owner !== epoch) throw new StateOwnershipLostError(epoch, owner);
        if (attempt >= MAX_COMMIT_ATTEMPTS) {
          throw new OnlineStoreError('state commit', new Error(`the transaction was aborted ${attempt} times while epoch ${epoch} still owned the state`));
        }
      }
    },
    async clear() {
      try {
        const meta = await redis.hgetall(metaKey);
        const keys = plan.windows.flatMap((w) => parseNumbers(meta[`days:${w.id}`]).map((day) => dayKey(w.id, day)));
        keys.push(...parseNumbers(meta['ids']).map(idsKey));
        await redis.del(metaKey, ...keys);
        liveDays = new Map();
        liveIdGroups = [];
      } catch (error) {
        throw new OnlineStoreError('state clear', error);
      }
    },
  };
}
