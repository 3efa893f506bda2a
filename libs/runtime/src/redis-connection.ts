import { createLogger, getMetricsRegistry, type Logger } from '@tributary/observability';
import { Cluster, Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import { parseRedisUrl } from './redis-url.js';

/** Options of {@link createRedisConnection}. */
export interface RedisConnectionOptions {
  /**
   * `redis://` or `rediss://` URL of one server, with credentials and database
   * number if any; or `redis+cluster://[user:password@]host:port[?nodes=host:port,…]`
   * (`rediss+cluster://` with TLS) for a Redis Cluster, by seed nodes.
   */
  readonly url: string;
  /**
   * Redis ACL user and password when the URL carries none (a URL's own
   * credentials win), so a deployment can keep the address in configuration
   * and the password in a secret (`REDIS_USERNAME`, `REDIS_PASSWORD`).
   * Default: the URL's, or none (`default`).
   */
  readonly credentials?: { readonly username?: string | undefined; readonly password?: string | undefined };
  /** Names the connection in logs and in the metrics' `client` label, e.g. `dedup` or `registry`. */
  readonly name: string;
  /** Default a logger named `redis`. */
  readonly logger?: Logger;
  /**
   * Reconnection attempts a command waits through before it fails, so the
   * caller's own retry, breaker or partition hold takes over (and says so in
   * its logs) instead of the client queuing silently. Default 3 (under a
   * second with the backoff below when the server refuses connections).
   */
  readonly maxRetriesPerRequest?: number;
  /**
   * Whether a command issued while the connection is down waits for it (up to
   * `maxRetriesPerRequest` reconnections). False fails it at once, for paths
   * that answer around an outage (serving with defaults). Default true.
   */
  readonly offlineQueue?: boolean;
  /** While the server stays unreachable, at most one log line per this many ms. Default 30 000. */
  readonly logEveryMs?: number;
  /** Connect only on `connect()` or the first command. Default false. */
  readonly lazyConnect?: boolean;
  /** TCP connect timeout, in ms. Default 5000. */
  readonly connectTimeoutMs?: number;
}

/** Longest wait between two reconnection attempts, in ms. */
const maxReconnectDelayMs = 2000;

/**
 * Wait before reconnection attempt `attempt` (1, 2, …): 100 ms doubling up to
 * 2 s, so a restart of a few seconds is noticed within 2 s of the server being
 * back while a long outage costs one attempt every 2 s. Never gives up: a
 * service outlives its Redis restarts.
 */
export function redisReconnectDelayMs(attempt: number): number {
  return Math.min(maxReconnectDelayMs, 50 * 2 ** Math.min(attempt, 6));
}

interface RedisConnectionMetrics {
  readonly up: Gauge<'client'>;
  readonly errors: Counter<'client'>;
}

let metrics: RedisConnectionMetrics | undefined;

function redisConnectionMetrics(): RedisConnectionMetrics {
  if (metrics) return metrics;
  const registers: Registry[] = [getMetricsRegistry()];
  const existing = <M>(name: string) => registers[0]?.getSingleMetric(name) as M | undefined;
  metrics = {
    up:
      existing<Gauge<'client'>>('tributary_redis_connection_up') ??
      new Gauge({ name: 'tributary_redis_connection_up', help: 'Whether the Redis connection is ready (1) or down and reconnecting (0).', labelNames: ['client'], registers }),
    errors:
      existing<Counter<'client'>>('tributary_redis_connection_errors_total') ??
      new Counter({ name: 'tributary_redis_connection_errors_total', help: 'Connection errors reported by the Redis client.', labelNames: ['client'], registers }),
  };
  return metrics;
}

/**
 * The one way services open Redis: an ioredis client whose errors are handled
 * and logged as structured events instead of ioredis's `Unhandled error event`
 * on stderr for every failed reconnection. The log says when the connection
 * goes down (error, with the cause), at most once per `logEveryMs` while it
 * stays down (with how many errors since), and when it is back (info, with how
 * long it was down); `tributary_redis_connection_up{client}` follows the state
 * and `tributary_redis_connection_errors_total{client}` counts the errors.
 * Reconnection backs off as {@link redisReconnectDelayMs} and never stops; a
 * command fails after `maxRetriesPerRequest` attempts. The caller closes the
 * client (`quit()`), which is logged as no outage.
 *
 * A `redis+cluster://` URL gives an ioredis `Cluster` with the same options,
 * events and backoff (its slot map refreshed on MOVED/ASK), so every service
 * reads one variable the same way; the callers' key layouts keep multi-key
 * commands inside one slot.
 */
export function createRedisConnection(options: RedisConnectionOptions): Redis | Cluster {
  const { url, name, maxRetriesPerRequest = 3, offlineQueue = true, logEveryMs = 30_000, lazyConnect = false, connectTimeoutMs = 5000 } = options;
  const logger = options.logger ?? createLogger({ name: 'redis' });
  const { up, errors } = redisConnectionMetrics();
  const target = parseRedisUrl(url);
  const { username, password } = options.credentials ?? {};
  const redisOptions = { maxRetriesPerRequest, connectTimeout: connectTimeoutMs };
  // ioredis fills in from the options only what the URL leaves out, so a URL's own credentials win.
  const fallbackCredentials = { ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) };
  const redis =
    target.kind === 'server'
      ? new Redis(url, { ...redisOptions, ...fallbackCredentials, lazyConnect, enableOfflineQueue: offlineQueue, retryStrategy: redisReconnectDelayMs })
      : new Cluster([...target.nodes], {
          lazyConnect,
          enableOfflineQueue: offlineQueue,
          clusterRetryStrategy: redisReconnectDelayMs,
          redisOptions: {
            ...redisOptions,
            ...fallbackCredentials,
            ...(target.username === undefined ? {} : { username: target.username }),
            ...(target.password === undefined ? {} : { password: target.password }),
            ...(target.tls ? { tls: {} } : {}),
          },
        });
  up.set({ client: name }, 0);
  let downSinceMs: number | undefined;
  let lastLineAtMs = 0;
  let errorsSinceLine = 0;
  let errorsWhileDown = 0;
  let lastError: Error | undefined;

  function markDown(): void {
    if (downSinceMs !== undefined) return;
    downSinceMs = Date.now();
    lastLineAtMs = downSinceMs;
    errorsSinceLine = 0;
    errorsWhileDown = 0;
    up.set({ client: name }, 0);
    logger.error({ client: name, err: lastError, event: 'redis.down' }, 'redis connection down; reconnecting');
  }

  redis.on('error', (error: Error) => {
    errors.inc({ client: name });
    lastError = error;
    errorsSinceLine++;
    errorsWhileDown++;
    if (downSinceMs === undefined) {
      markDown();
      return;
    }
    const nowMs = Date.now();
    if (nowMs - lastLineAtMs < logEveryMs) return;
    logger.warn(
      { client: name, err: error, event: 'redis.still_down', downForMs: nowMs - downSinceMs, errors: errorsSinceLine },
      'redis still unreachable; reconnecting',
    );
    lastLineAtMs = nowMs;
    errorsSinceLine = 0;
  });
  // Only a lost connection reconnects; `quit()` closes without, so a shutdown is not logged as an outage.
  redis.on('reconnecting', markDown);
  redis.on('ready', () => {
    up.set({ client: name }, 1);
    if (downSinceMs === undefined) return;
    logger.info({ client: name, event: 'redis.up', downForMs: Date.now() - downSinceMs, errors: errorsWhileDown }, 'redis connection restored');
    downSinceMs = undefined;
  });
  redis.on('end', () => up.set({ client: name }, 0));
  return redis;
}
