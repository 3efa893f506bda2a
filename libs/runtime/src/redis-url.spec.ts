import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from './redis-url.js';

describe('parseRedisUrl()', () => {
  it('leaves a one-server URL as it is', () => {
    expect(parseRedisUrl('redis://user:pw@cache:6380/2')).toEqual({ kind: 'server', url: 'redis://user:pw@cache:6380/2' });
    expect(parseRedisUrl('rediss://cache')).toEqual({ kind: 'server', url: 'rediss://cache' });
  });

  it('reads a cluster URL as its seed nodes and credentials', () => {
    expect(parseRedisUrl('redis+cluster://feature%2Dpipeline:p%40ss@10.0.0.1:7000?nodes=10.0.0.2:7001,redis-2:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'redis-2', port: 7002 },
      ],
      username: 'feature-pipeline',
      password: 'p@ss',
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://redis-0')).toEqual({ kind: 'cluster', nodes: [{ host: 'redis-0', port: 6379 }], tls: true });
  });

  it('refuses a database number or a seed that is not host:port', () => {
    expect(() => parseRedisUrl('redis+cluster://redis-0:7000/1')).toThrow(/no database number/);
    expect(() => parseRedisUrl('redis+cluster://redis-0:7000?nodes=redis-1:x')).toThrow(/"redis-1:x" is not host:port/);
  });
});
