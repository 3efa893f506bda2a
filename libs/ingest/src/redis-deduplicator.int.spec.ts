import { randomBytes } from 'node:crypto';
import { redisDeployments } from '@tributary/infra/tooling';
import { createLogger } from '@tributary/observability';
import { createRedisConnection } from '@tributary/runtime';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisDeduplicator } from './index.js';

/**
 * The deduplicator as ingestion opens it (`createRedisConnection`: one server,
 * or a cluster for a `redis+cluster://` URL), on the local server and on a
 * 3-node Redis Cluster: its scripts touch many keys per call, so on a cluster
 * every call must stay in one slot (CROSSSLOT otherwise).
 */
describe.each(redisDeployments)('createRedisDeduplicator() on $name', { timeout: 60_000 }, (deployment) => {
  let stopDeployment: () => Promise<void>;
  let redis: Redis | Cluster;
  const keyPrefix = `test:dedup:${Date.now().toString(36)}:${randomBytes(3).toString('hex')}:`;
  const ids = Array.from({ length: 3000 }, (_, i) => `event-${i}`);

  beforeAll(async () => {
    const started = await deployment.start();
    stopDeployment = started.stop;
    redis = createRedisConnection({ url: started.url, name: 'test', maxRetriesPerRequest: 1, logger: createLogger({ name: 'redis', level: 'silent' }) });
  });

  afterAll(async () => {
    const keys = ids.flatMap((id) => Array.from({ length: 16 }, (_, bucket) => `${keyPrefix}{${bucket}}${id}`));
    // One DEL per key: on a cluster a multi-key DEL must stay in one slot too.
    await Promise.all(keys.map((key) => redis.del(key)));
    redis.disconnect();
    await stopDeployment();
  });

  it('claims, finds pending, marks and finds seen thousands of ids in one call each, whatever slots their keys fall in', async () => {
    const deduplicator = createRedisDeduplicator({ redis, keyPrefix, ttlMs: 60_000, maxKeysPerCommand: 500 });
    expect(await deduplicator.claim(ids)).toEqual({ seen: new Set(), pending: new Set() });
    expect(await deduplicator.claim(ids)).toEqual({ seen: new Set(), pending: new Set(ids) });
    const written = ids.slice(0, 2000);
    await deduplicator.markSeen(written);
    const again = await deduplicator.claim(ids);
    expect(again.seen).toEqual(new Set(written));
    expect(again.pending).toEqual(new Set(ids.slice(2000)));
  });

  it('spreads the marks over the servers a cluster has', async () => {
    const servers = redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
    const holding = await Promise.all(
      servers.map(async (server) => {
        const [, keys] = await server.scan('0', 'MATCH', `${keyPrefix}*`, 'COUNT', 100_000);
        return keys.length;
      }),
    );
    expect(holding.filter((count) => count > 0)).toHaveLength(servers.length);
  });
});
