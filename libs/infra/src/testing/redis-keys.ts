import type { Cluster, Redis } from 'ioredis';

/**
 * Every key under `prefix` (`<prefix>:*`), by SCAN on each master of a
 * cluster or on the one server — KEYS would block a server others share.
 */
export async function scanRedisKeys(redis: Redis | Cluster, prefix: string): Promise<string[]> {
  const servers = redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
  const keys: string[] = [];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, batch] = await server.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys;
}
