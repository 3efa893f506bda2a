import type { Cluster, Redis } from 'ioredis';
import { FeatureReadTimeoutError, OnlineStoreError, UnknownFeatureError } from './errors.js';
import type { EntityTypeOf, FeatureDefinition, FeatureNameOf, FeatureSet } from './feature-set.js';
import type { FeatureSnapshot } from './feature-snapshot.js';
import { featureMetrics } from './metrics.js';

/** Options of {@link createOnlineStore}. */
export interface OnlineStoreOptions<Definitions extends readonly FeatureDefinition[]> {
  /** One server, or a Redis Cluster (each command then touches one entity's key: see the README's key layout). */
  readonly redis: Redis | Cluster;
  readonly featureSet: FeatureSet<Definitions>;
  /** Keys are `<prefix>:<entity type>:<entity id>`. Default `features`. */
  readonly prefix?: string;
  /** Deadline of a read when the call gives none, in ms. Default 50. */
  readonly timeoutMs?: number;
}

/** Options of one online read. */
export interface OnlineReadOptions {
  /**
   * The moment the vector is wanted for, in ms since the epoch: a value older
   * than its feature's TTL at that moment is missing. Default `Date.now()`;
   * when replaying history, pass the request's event time.
   */
  readonly asOfMs?: number;
  /** Deadline of this read in ms; past it the read fails with {@link FeatureReadTimeoutError}. */
  readonly timeoutMs?: number;
}

/** The features of one entity as the online store holds them. */
export interface FeatureVector<Name extends string> {
  readonly entityId: string;
  /** Value per feature; NaN when never written, empty (mean of nothing) or older than the feature's TTL. */
  readonly values: Readonly<Record<Name, number>>;
  /** Event time (ms) of each value, NaN when there is none; the values aggregate events strictly before it. */
  readonly eventTimesMs: Readonly<Record<Name, number>>;
}

/** Redis-backed latest feature values, one hash per entity, written in pipelines. */
export interface OnlineStore<Definitions extends readonly FeatureDefinition[]> {
  readonly featureSet: FeatureSet<Definitions>;
  /** Keys are `<prefix>:<entity type>:<entity id>`. */
  readonly prefix: string;
  /** The vector of one entity: one round trip. */
  get<Entity extends EntityTypeOf<Definitions>>(
    entityType: Entity,
    id: string,
    options?: OnlineReadOptions,
  ): Promise<FeatureVector<FeatureNameOf<Definitions, Entity>>>;
  /** The vectors of many entities of one type, in the order of `ids`: one command, one round trip. */
  getMany<Entity extends EntityTypeOf<Definitions>>(
    entityType: Entity,
    ids: readonly string[],
    options?: OnlineReadOptions,
  ): Promise<FeatureVector<FeatureNameOf<Definitions, Entity>>[]>;
  /** Writes the latest snapshot of each entity in one pipeline (a server-side script call per thousand entities). */
  write(snapshots: readonly FeatureSnapshot[]): Promise<void>;
  /** Deletes every entity hash under the prefix, e.g. before a backfill rebuilds them. */
  clear(): Promise<number>;
}

/**
 * Writes many entity hashes in one call: KEYS are the hashes, ARGV for each in
 * turn a run of `n, expireMs, field1, value1, … fieldn, valuen` (expireMs 0:
 * leave the expiry alone). One script call per thousand entities costs the
 * client a fraction of one HSET command per entity. The keys are declared, so
 * a Redis Cluster routes the call (there, one entity per call: each entity's
 * key is a slot of its own). Sent with EVAL (the script is short): nothing
 * depends on a script cache that a server restart empties.
 */
const HSET_MANY = `
local i = 1
for _, key in ipairs(KEYS) do
  local n, expireMs = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  redis.call('HSET', key, unpack(ARGV, i + 2, i + 1 + 2 * n))
  if expireMs > 0 then redis.call('PEXPIRE', key, expireMs) end
  i = i + 2 + 2 * n
end
return 0`;
const ENTITIES_PER_SCRIPT = 1_000;

/**
 * Reads the same fields of many hashes in one command: KEYS are the hashes,
 * ARGV the fields. Against a pipeline of one HMGET per key it halves the
 * median of a 100-entity read and cuts its tail by two thirds, since the
 * client builds and parses one command instead of a hundred. Sent with
 * EVAL_RO: Redis ACLs count EVAL's keys as written, so a reader with read-only
 * access to the features (inference under security) would be refused.
 */
const HMGET_MANY = `
local replies = {}
for i, key in ipairs(KEYS) do replies[i] = redis.call('HMGET', key, unpack(ARGV)) end
return replies`;

interface EntityLayout {
  readonly names: readonly string[];
  readonly ttlsMs: readonly number[];
  /** Redis keeps a hash as long as its longest-lived feature. */
  readonly keyTtlMs: number;
}

/**
 * Creates the online store. Each feature is a hash field holding
 * `<value>@<event time ms>`, so a reader can apply the TTL of each feature and
 * knows how fresh each value is; the hash itself expires after the longest
 * TTL of its entity type without writes (re-armed by this process at most
 * every quarter of that TTL, so an entity that stays busy never expires and
 * one that goes quiet expires within 1¼ TTL).
 */
export function createOnlineStore<Definitions extends readonly FeatureDefinition[]>(
  options: OnlineStoreOptions<Definitions>,
): OnlineStore<Definitions> {
  const { redis, featureSet, prefix = 'features', timeoutMs: defaultTimeoutMs = 50 } = options;
  const metrics = featureMetrics();
  const layouts = new Map<string, EntityLayout>(
    featureSet.entityTypes.map((entityType) => {
      const features = featureSet.featuresOf(entityType);
      const ttlsMs = features.map((f) => f.ttlMs);
      return [entityType, { names: features.map((f) => f.name), ttlsMs, keyTtlMs: Math.max(...ttlsMs) }];
    }),
  );
  const layoutOf = (entityType: string) => {
    const layout = layouts.get(entityType);
    if (!layout) throw new UnknownFeatureError(entityType);
    return layout;
  };
  const keyOf = (entityType: string, id: string) => `${prefix}:${entityType}:${id}`;
  /** When (wall clock) this process last set each key's expiry; see queueWrites. */
  const expirySetAtMs = new Map<string, number>();

  async function getMany(entityType: string, ids: readonly string[], readOptions: OnlineReadOptions = {}) {
    const layout = layoutOf(entityType);
    const timeoutMs = readOptions.timeoutMs ?? defaultTimeoutMs;
    const stopTimer = metrics.onlineReadSeconds.startTimer({ entity_type: entityType });
    const replies = await withDeadline(fetch(layout, entityType, ids), timeoutMs, () => {
      metrics.onlineReadTimeouts.inc({ entity_type: entityType });
      return new FeatureReadTimeoutError(timeoutMs, ids.length);
    });
    const asOfMs = readOptions.asOfMs ?? Date.now();
    const vectors = ids.map((id, i) => decode(id, layout, replies[i] ?? [], asOfMs));
    stopTimer();
    return vectors;
  }

  async function fetch(layout: EntityLayout, entityType: string, ids: readonly string[]): Promise<(string | null)[][]> {
    try {
      // On a cluster the keys are in different slots: one HMGET each, sent together, which ioredis pipelines per node.
      if (ids.length === 1 || redis.isCluster) return await Promise.all(ids.map((id) => redis.hmget(keyOf(entityType, id), ...layout.names)));
      return (await redis.eval_ro(HMGET_MANY, ids.length, ...ids.map((id) => keyOf(entityType, id)), ...layout.names)) as (string | null)[][];
    } catch (error) {
      throw new OnlineStoreError('read', error);
    }
  }

  /** The script calls writing the latest snapshot of each entity, as `[keys, args]`. */
  function scriptCalls(snapshots: readonly FeatureSnapshot[]): { calls: [keys: string[], args: string[]][]; entities: number } {
    const latest = new Map<string, FeatureSnapshot>();
    for (const snapshot of snapshots) {
      const key = keyOf(snapshot.entityType, snapshot.entityId);
      const seen = latest.get(key);
      if (!seen || seen.timeMs <= snapshot.timeMs) latest.set(key, snapshot);
    }
    const nowMs = Date.now();
    const perCall = redis.isCluster ? 1 : ENTITIES_PER_SCRIPT;
    const calls: [keys: string[], args: string[]][] = [];
    let keys: string[] = [];
    let args: string[] = [];
    for (const [key, snapshot] of latest) {
      const layout = layoutOf(snapshot.entityType);
      // Re-arming the expiry on every write doubled the commands; a quarter of the TTL is soon enough.
      const rearm = nowMs - (expirySetAtMs.get(key) ?? Number.NEGATIVE_INFINITY) > layout.keyTtlMs / 4;
      if (rearm) expirySetAtMs.set(key, nowMs);
      keys.push(key);
      args.push(String(layout.names.length), rearm ? String(layout.keyTtlMs) : '0');
      const { values } = snapshot;
      const at = `@${snapshot.timeMs}`;
      for (let i = 0; i < layout.names.length; i++) args.push(layout.names[i] as string, String(values[i]) + at);
      if (keys.length === perCall) {
        calls.push([keys, args]);
        keys = [];
        args = [];
      }
    }
    if (keys.length > 0) calls.push([keys, args]);
    return { calls, entities: latest.size };
  }

  /** Runs the calls in one pipeline, or on a cluster side by side (a pipeline must stay on one node). */
  async function runCalls(calls: readonly [keys: string[], args: string[]][]): Promise<void> {
    if (redis.isCluster) {
      await Promise.all(calls.map(([keys, args]) => redis.eval(HSET_MANY, keys.length, ...keys, ...args)));
      return;
    }
    const pipeline = redis.pipeline();
    for (const [keys, args] of calls) pipeline.eval(HSET_MANY, keys.length, ...keys, ...args);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /** Deletes the keys matching `pattern` on one server (each master of a cluster in turn). */
  async function deleteMatching(server: Redis, pattern: string): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      // One DEL per key on a cluster node: the keys of one node still lie in many slots.
      if (keys.length > 0) deleted += redis.isCluster ? (await Promise.all(keys.map((key) => server.del(key)))).reduce((a, b) => a + b, 0) : await server.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  }

  return {
    featureSet,
    prefix,
    async get(entityType, id, readOptions) {
      const [vector] = await getMany(entityType, [id], readOptions);
      return vector as FeatureVector<FeatureNameOf<Definitions, typeof entityType>>;
    },
    getMany: getMany as OnlineStore<Definitions>['getMany'],
    async write(snapshots) {
      const { calls, entities } = scriptCalls(snapshots);
      if (entities === 0) return;
      try {
        await runCalls(calls);
      } catch (error) {
        throw new OnlineStoreError('write', error);
      }
      metrics.snapshotsWritten.inc({ store: 'online' }, entities);
    },
    async clear() {
      let deleted = 0;
      try {
        const servers = redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
        for (const entityType of layouts.keys()) {
          for (const server of servers) deleted += await deleteMatching(server, `${prefix}:${entityType}:*`);
        }
      } catch (error) {
        throw new OnlineStoreError('clear', error);
      }
      expirySetAtMs.clear();
      return deleted;
    },
  };
}

function decode(entityId: string, layout: EntityLayout, reply: readonly (string | null)[], asOfMs: number): FeatureVector<string> {
  const values: Record<string, number> = {};
  const eventTimesMs: Record<string, number> = {};
  layout.names.forEach((name, i) => {
    const raw = reply[i];
    const at = raw ? raw.lastIndexOf('@') : -1;
    if (!raw || at < 0) {
      values[name] = Number.NaN;
      eventTimesMs[name] = Number.NaN;
      return;
    }
    const timeMs = Number(raw.slice(at + 1));
    eventTimesMs[name] = timeMs;
    values[name] = asOfMs - timeMs > (layout.ttlsMs[i] as number) ? Number.NaN : Number(raw.slice(0, at));
  });
  return { entityId, values, eventTimesMs };
}

async function withDeadline<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
