import type { ChainableCommander, Redis } from 'ioredis';
import type { Deduplicator } from './deduplicator.js';
import { DeduplicationUnavailableError } from './errors.js';

/** Options of {@link createRedisDeduplicator}. */
export interface RedisDeduplicatorOptions {
  /** A connected client; the caller opens and closes it. */
  readonly redis: Redis;
  /** Prefix of the marker keys (`<prefix><event id>`). Default `tributary:ingest:seen:`. */
  readonly keyPrefix?: string;
  /**
   * How long an id stays marked, in ms. A replay after this is written again
   * (the ClickHouse table still collapses it; `events.validated` gets it twice).
   * Default 604800000 (7 days).
   */
  readonly ttlMs?: number;
  /** Most keys per Redis command; larger batches are split. Default 5000. */
  readonly maxKeysPerCommand?: number;
}

/**
 * Marks each key of the batch: `SET key 1 NX PX ttl` per key, in one script
 * call rather than one command per key, which costs the client most of its
 * time at thousands of ids per batch. A single-instance script: in a Redis
 * Cluster all keys of one call would have to share a slot.
 */
const MARK_SEEN_SCRIPT = `
for _, key in ipairs(KEYS) do
  redis.call('SET', key, '1', 'PX', ARGV[1], 'NX')
end
return #KEYS`;

/**
 * A {@link Deduplicator} on Redis: one key per event id, looked up with
 * pipelined `MGET`s and marked by a script that runs `SET key 1 NX PX ttl`
 * for each (NX keeps the first mark's expiry, so replays do not extend it),
 * both split into commands of at most `maxKeysPerCommand` keys.
 */
export function createRedisDeduplicator(options: RedisDeduplicatorOptions): Deduplicator {
  const { redis, keyPrefix = 'tributary:ingest:seen:', ttlMs = 7 * 24 * 3600 * 1000, maxKeysPerCommand = 5000 } = options;

  /** The ids' keys, at most `maxKeysPerCommand` at a time. */
  function* chunks(eventIds: readonly string[]): Generator<string[]> {
    for (let start = 0; start < eventIds.length; start += maxKeysPerCommand) {
      yield eventIds.slice(start, start + maxKeysPerCommand).map((id) => keyPrefix + id);
    }
  }

  async function exec(pipeline: ChainableCommander, operation: 'look up' | 'mark'): Promise<unknown[]> {
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await pipeline.exec();
    } catch (cause) {
      throw new DeduplicationUnavailableError(operation, cause);
    }
    if (!replies) throw new DeduplicationUnavailableError(operation, new Error('the pipeline was discarded'));
    return replies.map(([error, reply]) => {
      if (error) throw new DeduplicationUnavailableError(operation, error);
      return reply;
    });
  }

  return {
    async findSeen(eventIds) {
      if (eventIds.length === 0) return new Set();
      const pipeline = redis.pipeline();
      for (const keys of chunks(eventIds)) pipeline.mget(keys);
      const values = (await exec(pipeline, 'look up')).flat() as (string | null)[];
      const seen = new Set<string>();
      values.forEach((value, i) => {
        if (value !== null) seen.add(eventIds[i] as string);
      });
      return seen;
    },

    async markSeen(eventIds) {
      if (eventIds.length === 0) return;
      const pipeline = redis.pipeline();
      for (const keys of chunks(eventIds)) pipeline.eval(MARK_SEEN_SCRIPT, keys.length, ...keys, ttlMs);
      await exec(pipeline, 'mark');
    },
  };
}
