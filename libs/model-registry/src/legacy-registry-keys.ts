import type { Cluster, Redis } from 'ioredis';
import { REGISTRY_HASH_TAG } from './redis-keys.js';

/**
 * Moves a registry written by releases before the hash tag (`<prefix>:models`,
 * `<prefix>:model:<name>:…`, `<prefix>:outbox`) to today's keys
 * (`<prefix>:{registry}:…`), in one MULTI of RENAMEs, when the old layout is
 * there and the new one is not. Only a single server can hold the old layout
 * (its scripts span slots, which a cluster refuses), so a cluster is left
 * alone. Returns how many keys were renamed.
 */
export async function migrateLegacyRegistryKeys(redis: Redis | Cluster, prefix: string): Promise<number> {
  const root = `${prefix}:${REGISTRY_HASH_TAG}`;
  if (redis.isCluster || (await redis.exists(`${root}:models`)) === 1 || (await redis.exists(`${prefix}:models`)) === 0) return 0;
  const server = redis as Redis;
  const legacy: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await server.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    legacy.push(...keys.filter((key) => !key.startsWith(`${root}:`)));
    cursor = next;
  } while (cursor !== '0');
  const multi = server.multi();
  for (const key of legacy) multi.renamenx(key, `${root}${key.slice(prefix.length)}`);
  await multi.exec();
  return legacy.length;
}
