/** Where a Redis URL points: one server, or the seed nodes of a Redis Cluster. */
export type RedisTarget =
  | { readonly kind: 'server'; readonly url: string }
  | {
      readonly kind: 'cluster';
      /** The URL's host first, then those of its `nodes` parameter. */
      readonly nodes: readonly { readonly host: string; readonly port: number }[];
      readonly username?: string;
      readonly password?: string;
      /** Whether the nodes speak TLS (`rediss+cluster://`). */
      readonly tls: boolean;
    };

const clusterProtocols = new Set(['redis+cluster:', 'rediss+cluster:']);

function hostAndPort(text: string, url: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  const port = colon < 0 ? 6379 : Number(text.slice(colon + 1));
  if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) throw new TypeError(`${url}: "${text}" is not host:port`);
  return { host, port };
}

/**
 * Reads `REDIS_URL` and its kin the same way in every service: `redis://` and
 * `rediss://` name one server (ioredis reads them as they are);
 * `redis+cluster://[user:password@]host:port[?nodes=host:port,…]` (TLS:
 * `rediss+cluster://`) names a Redis Cluster by seed nodes — one is enough, the
 * client learns the others from it; more keep a start working while a seed is
 * down. A cluster has no database numbers, so a path is refused.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const parsed = new URL(url);
  if (!clusterProtocols.has(parsed.protocol)) return { kind: 'server', url };
  if (parsed.pathname !== '' && parsed.pathname !== '/') throw new TypeError(`${url}: a Redis Cluster has no database number`);
  const seeds = (parsed.searchParams.get('nodes') ?? '').split(',').filter(Boolean);
  return {
    kind: 'cluster',
    nodes: [hostAndPort(parsed.host, url), ...seeds.map((seed) => hostAndPort(seed, url))],
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    tls: parsed.protocol === 'rediss+cluster:',
  };
}
