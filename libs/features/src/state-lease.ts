import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { OnlineStoreError } from './errors.js';

/** Options of {@link createStateLease}. */
export interface StateLeaseOptions {
  readonly redis: Redis | Cluster;
  /** The lease's key: a hash of its holder and of the last process that asked for it. */
  readonly key: string;
  /**
   * How long the lease lasts without a renewal, in ms: how long a holder that
   * died (kill -9) keeps the others waiting. Default 10 000.
   */
  readonly leaseMs?: number;
  /** How often a waiting process asks again, in ms. Default 50. */
  readonly pollMs?: number;
}

/**
 * Mutual exclusion over one aggregation state among the processors that share
 * it (the instances of a consumer group, each with some of the partitions).
 * The state's owner epoch is what keeps a stale processor from writing; the
 * lease makes the instances take turns instead of fencing each other off on
 * every batch. One key, so it stays in one slot of a Redis Cluster.
 */
export interface StateLease {
  /** Waits until this process holds the lease, asking for it on every poll (see `handOver`). */
  acquire(): Promise<void>;
  /** Extends the lease if this process still holds it; false when it had expired or passed on. */
  renew(): Promise<boolean>;
  /** Passes the lease to a process that asked for it within the last few polls, if any; true when it did. */
  handOver(): Promise<boolean>;
  /** Gives the lease up if this process holds it, so the next instance need not wait for it to lapse (a graceful stop). */
  release(): Promise<void>;
}

/** Redis server time in ms, inside a script. */
const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** ARGV: token, lease ms, ask ms. 1 when this token holds the lease (free, expired or passed to it), else 0 after asking for it. */
const ACQUIRE = `${NOW_MS}
local holder = redis.call('HGET', KEYS[1], 'holder')
if not holder or holder == ARGV[1] then
  redis.call('HSET', KEYS[1], 'holder', ARGV[1])
  if redis.call('HGET', KEYS[1], 'asker') == ARGV[1] then redis.call('HDEL', KEYS[1], 'asker', 'asked_until') end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
redis.call('HSET', KEYS[1], 'asker', ARGV[1], 'asked_until', now + tonumber(ARGV[3]))
return 0`;

/** ARGV: token, lease ms. 1 when renewed. */
const RENEW = `if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** ARGV: token, lease ms. 1 when the lease passed from this token to the one that asked. */
const HAND_OVER = `${NOW_MS}
if redis.call('HGET', KEYS[1], 'holder') ~= ARGV[1] then return 0 end
local asker = redis.call('HGET', KEYS[1], 'asker')
if not asker or asker == ARGV[1] or tonumber(redis.call('HGET', KEYS[1], 'asked_until')) < now then return 0 end
redis.call('HSET', KEYS[1], 'holder', asker)
redis.call('HDEL', KEYS[1], 'asker', 'asked_until')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** ARGV: token. Deletes the lease if this token holds it, keeping the ask of a waiting process. */
const RELEASE = `if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then redis.call('HDEL', KEYS[1], 'holder') return 1 end return 0`;

/** Creates a lease held under a token of this process; see {@link StateLease}. */
export function createStateLease(options: StateLeaseOptions): StateLease {
  const { redis, key, leaseMs = 10_000, pollMs = 50 } = options;
  const token = randomUUID();
  const call = async (operation: string, script: string, ...args: (string | number)[]) => {
    try {
      return Number(await redis.eval(script, 1, key, token, ...args.map(String)));
    } catch (error) {
      throw new OnlineStoreError(`state lease ${operation}`, error);
    }
  };

  return {
    async acquire() {
      // An ask lives a few polls: a holder hands over only while someone keeps asking.
      while ((await call('acquire', ACQUIRE, leaseMs, 4 * pollMs)) !== 1) await sleep(pollMs);
    },
    async renew() {
      return (await call('renew', RENEW, leaseMs)) === 1;
    },
    async handOver() {
      return (await call('hand-over', HAND_OVER, leaseMs)) === 1;
    },
    async release() {
      await call('release', RELEASE);
    },
  };
}
