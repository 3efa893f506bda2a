/** Removing what a benchmark made in the local servers. */
import type { Redis } from 'ioredis';

/** Unlinks every Redis key that starts with `prefix`. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 5000 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await redis.unlink(...keys);
  }
}
