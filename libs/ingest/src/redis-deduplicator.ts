import type { Cluster, Redis } from 'ioredis';
import type { ClaimResult, Deduplicator } from './deduplicator.js';
import { DeduplicationUnavailableError, InvalidKeyPrefixError } from './errors.js';

/** Options of {@link createRedisDeduplicator}. */
export interface RedisDeduplicatorOptions {
  /** A connected client, one server or a cluster; the caller opens and closes it. */
  readonly redis: Redis | Cluster;
  /**
   * Prefix of the marker keys (`<prefix>{<bucket>}<event id>`). Without
   * braces: the braces after it are the key's cluster hash tag. Default
   * `tributary:ingest:seen:`.
   */
  readonly keyPrefix?: string;
  /**
   * How long an id stays claimed or marked, in ms, counted from its first
   * claim. A replay after this is written again (the ClickHouse table still
   * collapses it; `events.validated` gets it twice). Default 604800000 (7 days).
   */
  readonly ttlMs?: number;
  /** Most keys per Redis command; larger buckets are split. Default 5000. */
  readonly maxKeysPerCommand?: number;
}

/**
 * Hash-tag buckets of the keys. Every script call touches the keys of one
 * bucket, which share a cluster slot; 16 spreads them over a few nodes while
 * a batch of thousands of ids still takes few calls. Part of the key names:
 * changing it orphans every mark.
 */
const BUCKETS = 16;

/** Key states the claim script answers, one per key. */
const CLAIMED = 0;
const SEEN = 1;

/**
 * Claims each key of one bucket: `SET key p NX PX ttl GET` sets the pending
 * mark `p` on a key that has none and answers the value it had, so one command
 * per key both looks up and claims. Answers per key 0 (claimed now), 1 (marked
 * written) or 2 (pending: an earlier attempt claimed it).
 */
const CLAIM_SCRIPT = `
local states = {}
for i, key in ipairs(KEYS) do
  local previous = redis.call('SET', key, 'p', 'NX', 'PX', ARGV[1], 'GET')
  if not previous then states[i] = 0 elseif previous == '1' then states[i] = 1 else states[i] = 2 end
end
return states`;

/**
 * Marks each key of one bucket written (`1`), keeping the expiry its claim
 * set; a key whose claim is gone (expired, or a Redis that lost its data)
 * gets a fresh one.
 */
const MARK_SEEN_SCRIPT = `
for _, key in ipairs(KEYS) do
  if not redis.call('SET', key, '1', 'XX', 'KEEPTTL') then
    redis.call('SET', key, '1', 'PX', ARGV[1])
  end
end
return #KEYS`;

/**
 * A {@link Deduplicator} on Redis, one key per event id:
 * `<prefix>{<bucket>}<event id>` holding `p` (claimed, pending) or `1`
 * (written), expiring `ttlMs` after the claim. The bucket (FNV-1a of the id
 * modulo {@link BUCKETS}) is the key's hash tag, so the keys of a script call
 * — one bucket's — share a Redis Cluster slot. A claim or a mark is one script
 * call per bucket (split at `maxKeysPerCommand`), all sent at once: one round
 * trip on one server. They are separate calls rather than one pipeline because
 * a cluster client routes each call to its own node, and refuses a pipeline
 * whose keys live on several.
 */
export function createRedisDeduplicator(options: RedisDeduplicatorOptions): Deduplicator {
  const { redis, keyPrefix = 'tributary:ingest:seen:', ttlMs = 7 * 24 * 3600 * 1000, maxKeysPerCommand = 5000 } = options;
  if (keyPrefix.includes('{') || keyPrefix.includes('}')) throw new InvalidKeyPrefixError(keyPrefix);

  /** Each bucket's ids (as positions in `eventIds`) and their keys, at most `maxKeysPerCommand` per call. */
  function calls(eventIds: readonly string[]): { positions: number[]; keys: string[] }[] {
    const buckets = Array.from({ length: BUCKETS }, (): number[] => []);
    eventIds.forEach((id, position) => buckets[bucketOf(id)]?.push(position));
    return buckets.flatMap((inBucket, bucket) => {
      const parts = [];
      for (let start = 0; start < inBucket.length; start += maxKeysPerCommand) {
        const positions = inBucket.slice(start, start + maxKeysPerCommand);
        parts.push({ positions, keys: positions.map((position) => `${keyPrefix}{${bucket}}${eventIds[position]}`) });
      }
      return parts;
    });
  }

  /** Runs `script` once per call, all sent before any answer is awaited. */
  async function run(script: string, keysPerCall: readonly (readonly string[])[], operation: 'claim' | 'mark'): Promise<unknown[]> {
    const replies = await Promise.allSettled(keysPerCall.map((keys) => redis.eval(script, keys.length, ...keys, ttlMs)));
    return replies.map((reply) => {
      if (reply.status === 'rejected') throw new DeduplicationUnavailableError(operation, reply.reason);
      return reply.value;
    });
  }

  return {
    async claim(eventIds): Promise<ClaimResult> {
      const seen = new Set<string>();
      const pending = new Set<string>();
      if (eventIds.length === 0) return { seen, pending };
      const planned = calls(eventIds);
      const replies = await run(CLAIM_SCRIPT, planned.map((call) => call.keys), 'claim');
      planned.forEach(({ positions }, call) => {
        const states = replies[call] as number[];
        positions.forEach((position, i) => {
          const state = states[i];
          if (state === CLAIMED) return;
          (state === SEEN ? seen : pending).add(eventIds[position] as string);
        });
      });
      return { seen, pending };
    },

    async markSeen(eventIds) {
      if (eventIds.length === 0) return;
      await run(MARK_SEEN_SCRIPT, calls(eventIds).map((call) => call.keys), 'mark');
    },
  };
}

/** The id's bucket: 32-bit FNV-1a of its UTF-16 code units, modulo {@link BUCKETS}. */
function bucketOf(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) hash = Math.imul(hash ^ eventId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % BUCKETS;
}
