import type { ChainableCommander, Redis } from 'ioredis';
import type { BucketState, EngineChanges, EngineState, SourcePosition } from './aggregation-engine.js';
import type { AggregationPlan } from './aggregation-plan.js';
import { OnlineStoreError, StateOwnershipLostError, StateVersionMismatchError } from './errors.js';

/** Options of {@link createEngineStateStore}. */
export interface EngineStateStoreOptions {
  /** A connection of its own: commits WATCH a key, and WATCH belongs to the connection. */
  readonly redis: Redis;
  readonly plan: AggregationPlan;
  /** Feature set version; a state saved by another version is refused. */
  readonly version: string;
  /** Keys are `<prefix>:_state:meta` and `<prefix>:_state:series:<series id>`. Default `features`. */
  readonly prefix?: string;
}

/** The state a processor took over, and the epoch that proves it is the owner. */
export interface AcquiredState {
  readonly epoch: number;
  /** Undefined when nothing was saved yet. */
  readonly state: EngineState | undefined;
}

/**
 * The aggregation engine's checkpoint in Redis: source offsets, watermark
 * boundary and buckets. A commit writes the engine's changes and the online
 * feature values in one MULTI, so offsets never advance without the state
 * they produced, nor the other way round.
 */
export interface EngineStateStore {
  /** Bumps the owner epoch (fencing off any previous owner) and loads the saved state. */
  acquire(): Promise<AcquiredState>;
  /**
   * Atomically writes `changes` and whatever `queueAlso` adds (online values),
   * provided `epoch` still owns the state; otherwise fails with
   * {@link StateOwnershipLostError} and writes nothing.
   */
  commit(epoch: number, changes: EngineChanges, queueAlso?: (multi: ChainableCommander) => void): Promise<void>;
  /** Deletes the saved state. */
  clear(): Promise<void>;
}

/** Bucket fields per HSET, to keep single commands small. */
const FIELDS_PER_COMMAND = 5_000;

/** Creates the store; see {@link EngineStateStore}. */
export function createEngineStateStore(options: EngineStateStoreOptions): EngineStateStore {
  const { redis, plan, version, prefix = 'features' } = options;
  const metaKey = `${prefix}:_state:meta`;
  const seriesKey = (seriesId: string) => `${prefix}:_state:series:${seriesId}`;
  const bucketField = (bucket: number, entityId: string) => `${bucket}:${entityId}`;

  async function load(): Promise<EngineState | undefined> {
    const meta = await redis.hgetall(metaKey);
    if (meta['tick'] === undefined) return undefined;
    const positions = new Map<string, SourcePosition>();
    for (const [field, value] of Object.entries(meta)) {
      if (!field.startsWith('source:')) continue;
      const [offset, maxEventTimeMs] = value.split(',');
      positions.set(field.slice('source:'.length), { offset: BigInt(offset as string), maxEventTimeMs: Number(maxEventTimeMs) });
    }
    const buckets: BucketState[] = [];
    for (const { id: seriesId } of plan.series) {
      for (const [field, value] of Object.entries(await redis.hgetall(seriesKey(seriesId)))) {
        const colon = field.indexOf(':');
        buckets.push({
          seriesId,
          entityId: field.slice(colon + 1),
          bucket: Number(field.slice(0, colon)),
          measures: Float64Array.from(value.split(','), Number),
        });
      }
    }
    return { emittedThroughTick: Number(meta['tick']), floorMs: Number(meta['floor']), positions, buckets };
  }

  function queueChanges(multi: ChainableCommander, changes: EngineChanges): void {
    const meta: string[] = ['version', version, 'tick', String(changes.emittedThroughTick), 'floor', String(changes.floorMs)];
    for (const [source, position] of changes.positions) meta.push(`source:${source}`, `${position.offset},${position.maxEventTimeMs}`);
    multi.hset(metaKey, ...meta);
    if (changes.retiredSources.length > 0) multi.hdel(metaKey, ...changes.retiredSources.map((source) => `source:${source}`));
    const upserts = new Map<string, string[]>();
    for (const { seriesId, entityId, bucket, measures } of changes.upserts) {
      const fields = upserts.get(seriesId) ?? [];
      fields.push(bucketField(bucket, entityId), measures.join(','));
      upserts.set(seriesId, fields);
    }
    for (const [seriesId, fields] of upserts) {
      for (let i = 0; i < fields.length; i += 2 * FIELDS_PER_COMMAND) multi.hset(seriesKey(seriesId), ...fields.slice(i, i + 2 * FIELDS_PER_COMMAND));
    }
    const deletions = new Map<string, string[]>();
    for (const { seriesId, entityId, bucket } of changes.deletions) {
      const fields = deletions.get(seriesId) ?? [];
      fields.push(bucketField(bucket, entityId));
      deletions.set(seriesId, fields);
    }
    for (const [seriesId, fields] of deletions) {
      for (let i = 0; i < fields.length; i += FIELDS_PER_COMMAND) multi.hdel(seriesKey(seriesId), ...fields.slice(i, i + FIELDS_PER_COMMAND));
    }
  }

  return {
    async acquire() {
      try {
        const savedVersion = await redis.hget(metaKey, 'version');
        if (savedVersion !== null && savedVersion !== version) throw new StateVersionMismatchError(savedVersion, version);
        const epoch = await redis.hincrby(metaKey, 'epoch', 1);
        return { epoch, state: await load() };
      } catch (error) {
        if (error instanceof StateVersionMismatchError) throw error;
        throw new OnlineStoreError('state load', error);
      }
    },
    async commit(epoch, changes, queueAlso) {
      let results: [error: Error | null, result: unknown][] | null;
      try {
        await redis.watch(metaKey);
        const owner = Number(await redis.hget(metaKey, 'epoch'));
        if (owner !== epoch) {
          await redis.unwatch();
          throw new StateOwnershipLostError(epoch, owner);
        }
        const multi = redis.multi();
        queueChanges(multi, changes);
        queueAlso?.(multi);
        results = await multi.exec();
      } catch (error) {
        if (error instanceof StateOwnershipLostError) throw error;
        throw new OnlineStoreError('state commit', error);
      }
      // EXEC returns null when the watched key changed: a new owner took the epoch meanwhile.
      if (results === null) throw new StateOwnershipLostError(epoch, Number(await redis.hget(metaKey, 'epoch')));
      const failed = results.find(([error]) => error);
      if (failed) throw new OnlineStoreError('state commit', failed[0]);
    },
    async clear() {
      try {
        await redis.del(metaKey, ...plan.series.map((s) => seriesKey(s.id)));
      } catch (error) {
        throw new OnlineStoreError('state clear', error);
      }
    },
  };
}
