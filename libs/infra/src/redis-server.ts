import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loopbackHost, type InfraPorts } from './infra-config.js';
import { adminPassword, redisAclLines, type InfraSecurity } from './infra-security.js';
import { adminPrincipal } from './platform-principals.js';
import type { ServerDefinition } from './server-definition.js';

/**
 * Loopback only, in the foreground (we hold its PID), every write in the AOF,
 * fsynced each second; with `aclLines`, those users instead of the open default one.
 */
export function redisConfig(port: number, dataDir: string, aclLines: readonly string[] = []): string {
  return `${[
    `bind ${loopbackHost}`,
    `port ${port}`,
    'protected-mode yes',
    'daemonize no',
    `dir "${dataDir}"`,
    'appendonly yes',
    'appendfsync everysec',
    'logfile ""',
    ...aclLines,
  ].join('\n')}\n`;
}

async function probeRedis(ports: InfraPorts, security?: InfraSecurity): Promise<void> {
  const client = new Redis({
    host: loopbackHost,
    port: ports.redis,
    ...(security === undefined ? {} : { username: adminPrincipal, password: adminPassword(security) }),
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The failure reaches the caller through connect(); without a listener ioredis would also print it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // While the AOF loads, PING fails with LOADING.
    const answer = await client.ping();
    if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
  } finally {
    client.disconnect();
  }
}

/** Redis from Debian's redis-server package, started by hand (not by systemd). */
export const redisServer: ServerDefinition = {
  service: 'redis',
  portKeys: ['redis'],
  readinessTimeoutMs: 30_000,
  stopGraceMs: 10_000,
  listen: (ports) => `${loopbackHost}:${ports.redis}`,
  async prepare(context) {
    const program = await context.tools.redisServer();
    const { security } = context;
    const dir = join(context.config.home, security ? 'redis-secure' : 'redis');
    await mkdir(dir, { recursive: true });
    const configFile = join(dir, 'redis.conf');
    await writeFile(configFile, redisConfig(context.config.ports.redis, dir, security ? redisAclLines(security) : []), { mode: 0o600 });
    await chmod(configFile, 0o600);
    return { command: program, args: [configFile], cwd: dir };
  },
  probe: probeRedis,
};
