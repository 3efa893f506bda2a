import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ReadinessTimeoutError, ServerExitedError } from './errors.js';
import { loopbackHost, resolveInfraConfig } from './infra-config.js';
import { freePort } from './port-check.js';
import { identifyProcess, isAlive, spawnDetached, stopProcessGroup, type ProcessIdentity } from './process-group.js';
import { createSystemTools } from './system-tools.js';

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Master nodes, each serving an equal share of the 16 384 slots, no replicas. Default 3. */
  readonly masters?: number;
  /** Parent of the cluster's own directory (configs, node files, logs). Default `<TRIBUTARY_HOME>/redis-cluster`. */
  readonly baseDir?: string;
  /** How long the nodes may take to agree (`cluster_state:ok` on every node), in ms. Default 30 000. */
  readonly readinessTimeoutMs?: number;
}

/** One node of a {@link RedisCluster}. */
export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

/** A running local Redis Cluster. */
export interface RedisCluster {
  readonly nodes: readonly RedisClusterNode[];
  /** `redis+cluster://127.0.0.1:<first port>?nodes=<the others>`, the form `REDIS_URL` takes for a cluster. */
  readonly url: string;
  /** Stops every node (SIGTERM, SIGKILL after 5 s) and deletes the cluster's directory; idempotent. */
  stop(): Promise<void>;
}

const SLOTS = 16_384;

/** A node's config: cluster mode, no persistence (a test cluster), its bus on a port of its own. */
function clusterNodeConfig(port: number, busPort: number, dir: string): string {
  return `${[
    `bind ${loopbackHost}`,
    `port ${port}`,
    `cluster-port ${busPort}`,
    'cluster-enabled yes',
    'cluster-config-file nodes.conf',
    'cluster-node-timeout 2000',
    'protected-mode yes',
    'daemonize no',
    `dir "${dir}"`,
    'appendonly no',
    'save ""',
    'logfile ""',
  ].join('\n')}\n`;
}

function nodeClient(port: number): Redis {
  const client = new Redis({ host: loopbackHost, port, lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  return client;
}

async function untilTrue(check: () => Promise<boolean>, deadlineMs: number, what: () => Error): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadlineMs) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(50);
  }
  const error = what();
  if (lastError !== undefined && error.cause === undefined) Object.assign(error, { cause: lastError });
  throw error;
}

/**
 * Starts a local Redis Cluster for tests and tools: `masters` processes of the
 * same Debian `redis-server` that `tributary infra up` runs, with
 * `cluster-enabled yes` on free loopback ports (the cluster bus on free ports
 * of its own through `cluster-port`, since port + 10 000 may not exist), the
 * slots split evenly with `CLUSTER ADDSLOTSRANGE`, joined with `CLUSTER MEET`,
 * and returned once every node reports `cluster_state:ok` and knows every
 * other. The nodes keep nothing on disk that outlives {@link RedisCluster.stop}.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { masters = 3, readinessTimeoutMs = 30_000 } = options;
  const program = await createSystemTools().redisServer();
  const dir = join(options.baseDir ?? join(resolveInfraConfig().home, 'redis-cluster'), randomUUID());
  const processes: { identity: ProcessIdentity; logFile: string }[] = [];
  const nodes: RedisClusterNode[] = [];
  const busPorts: number[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(processes.map(({ identity }) => stopProcessGroup(identity, 5_000)));
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    for (let i = 0; i < masters; i++) {
      const nodeDir = join(dir, `node-${i}`);
      await mkdir(nodeDir, { recursive: true });
      const port = await freePort();
      let busPort = await freePort();
      while (busPort === port) busPort = await freePort();
      await writeFile(join(nodeDir, 'redis.conf'), clusterNodeConfig(port, busPort, nodeDir));
      const logFile = join(nodeDir, 'redis.log');
      const child = spawnDetached({ command: program, args: [join(nodeDir, 'redis.conf')], cwd: nodeDir }, logFile);
      const identity = child.pid === undefined ? undefined : identifyProcess(child.pid);
      if (identity === undefined) throw new ServerExitedError(`redis cluster node ${i}`, logFile, '');
      processes.push({ identity, logFile });
      nodes.push({ host: loopbackHost, port });
      busPorts.push(busPort);
    }
    const deadlineMs = Date.now() + readinessTimeoutMs;
    const clients = nodes.map((node) => nodeClient(node.port));
    try {
      for (const [i, client] of clients.entries()) {
        const { identity, logFile } = processes[i] as (typeof processes)[number];
        await untilTrue(
          async () => {
            if (!isAlive(identity)) throw new ServerExitedError(`redis cluster node ${i}`, logFile, (await readFile(logFile, 'utf8')).slice(-2000));
            if (client.status !== 'ready') await client.connect();
            return (await client.ping()) === 'PONG';
          },
          deadlineMs,
          () => new ReadinessTimeoutError(`redis cluster node ${i}`, readinessTimeoutMs, logFile),
        ).catch((error: unknown) => {
          throw error instanceof ReadinessTimeoutError && error.cause instanceof ServerExitedError ? error.cause : error;
        });
        const first = Math.floor((i * SLOTS) / masters);
        const last = Math.floor(((i + 1) * SLOTS) / masters) - 1;
        await client.call('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
      }
      const [seed] = clients as [Redis, ...Redis[]];
      // MEET names the bus port: without it Redis assumes port + 10 000.
      for (const [i, node] of nodes.entries()) if (i > 0) await seed.call('CLUSTER', 'MEET', node.host, String(node.port), String(busPorts[i]));
      await untilTrue(
        async () => {
          for (const client of clients) {
            const info = String(await client.call('CLUSTER', 'INFO'));
            if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${masters}`)) return false;
          }
          return true;
        },
        deadlineMs,
        () => new ReadinessTimeoutError('redis cluster', readinessTimeoutMs, join(dir, 'node-0', 'redis.log')),
      );
    } finally {
      for (const client of clients) client.disconnect();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const [first, ...others] = nodes as [RedisClusterNode, ...RedisClusterNode[]];
  const seeds = others.map((node) => `${node.host}:${node.port}`).join(',');
  return { nodes, url: `redis+cluster://${first.host}:${first.port}${seeds ? `?nodes=${seeds}` : ''}`, stop };
}

/** A Redis a spec runs against: `start()` in `beforeAll` gives its URL, `stop()` in `afterAll`. */
export interface RedisDeployment {
  readonly name: string;
  start(): Promise<{ readonly url: string; stop(): Promise<void> }>;
}

/**
 * The deployments a Redis spec runs against with `describe.each`: the local
 * server (`REDIS_URL`, default 127.0.0.1:6379) and a 3-node Redis Cluster of
 * the spec's own, so every multi-key script and MULTI is shown to stay inside
 * one slot.
 */
export const redisDeployments: readonly RedisDeployment[] = [
  { name: 'one Redis server', start: async () => ({ url: process.env['REDIS_URL']?.trim() || `redis://${loopbackHost}:6379`, stop: async () => undefined }) },
  { name: 'a 3-node Redis Cluster', start: () => startRedisCluster({ masters: 3 }) },
];
