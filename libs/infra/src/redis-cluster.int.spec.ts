import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree } from './port-check.js';
import { startRedisCluster, type RedisCluster } from './tooling.js';

describe('startRedisCluster()', () => {
  let cluster: RedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })));
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('serves every slot from three masters', async () => {
    const slots = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    expect(slots).toHaveLength(3);
    expect(slots.reduce((sum, [first, last]) => sum + last - first + 1, 0)).toBe(16_384);
    expect(new Set(slots.map(([, , [, port]]) => port))).toEqual(new Set(cluster.nodes.map((node) => node.port)));
    expect(cluster.url).toMatch(/^redis\+cluster:\/\/127\.0\.0\.1:\d+\?nodes=127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
  });

  it('spreads keys over the nodes and refuses a command across slots', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `spec:key:${i}`);
    await Promise.all(keys.map((key, i) => client.set(key, String(i))));
    expect(await Promise.all(keys.map((key) => client.get(key)))).toEqual(keys.map((_, i) => String(i)));
    const perNode = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(perNode.filter((count) => count > 0)).toHaveLength(3);
    await expect(client.mget('spec:key:0', 'spec:key:1')).rejects.toThrow(/CROSSSLOT/);
    expect(await client.mget('{spec}:a', '{spec}:b')).toEqual([null, null]);
  });

  it('stops every node and frees its port; a second stop is a no-op', async () => {
    const other = await startRedisCluster({ masters: 2 });
    await other.stop();
    await other.stop();
    for (const node of other.nodes) expect(await isPortFree(node.port)).toBe(true);
  }, 60_000);
});
