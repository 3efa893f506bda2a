import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createInfra, findWorkspaceRoot, portSettings, secureClientEnv, type Infra, type InfraPorts, type InfraSecurityOptions } from '../index.js';
import { adminPrincipal } from '../platform-principals.js';
import { ensureInfraSecrets } from '../infra-secrets.js';
import { freeInfraPorts, infraEnvAt } from './isolated-infra-env.js';

/** Options of {@link startSecureTestServers}. */
export interface SecureTestServersOptions {
  /** The servers' home. Default `<workspace>/.tributary/secure-tests`, apart from the plain servers' home. */
  readonly home?: string;
  /** ACLs and grants for the tests' namespace, as `tributary infra up --secure` writes them. Default: names unchanged. */
  readonly security?: InfraSecurityOptions;
}

/** The secure servers a test run uses. */
export interface SecureTestServers {
  readonly home: string;
  readonly ports: InfraPorts;
  /**
   * What test processes get: the servers' ports (`TRIBUTARY_*_PORT`) and the
   * admin principal's clients — `KAFKA_BROKERS` with `KAFKA_SASL_*`,
   * `REDIS_URL` and `CLICKHOUSE_URL` carrying the admin user (so a bare
   * `createClient({ url })` or `new Redis(url)` authenticates too) and
   * `CLICKHOUSE_USER`/`CLICKHOUSE_PASSWORD`.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Whether this call started them (false: they were running already). */
  readonly startedHere: boolean;
  /** Stops them (by recorded PID) and removes their home. */
  stop(): Promise<void>;
}

/** The five ports, kept beside the servers so later runs find them. */
const portsFile = (home: string) => join(home, 'ports.json');

async function runningPorts(home: string, security: InfraSecurityOptions): Promise<InfraPorts | undefined> {
  if (!existsSync(portsFile(home))) return undefined;
  const ports = JSON.parse(await readFile(portsFile(home), 'utf8')) as InfraPorts;
  const states = await createInfra({ env: infraEnvAt(home, ports), secure: security }).status();
  return states.every((status) => status.state === 'running') ? ports : undefined;
}

/**
 * Fails unless Redis refuses a client without a user: a run meant to be
 * secure must never pass quietly against open servers.
 */
async function assertRefusesAnonymous(ports: InfraPorts): Promise<void> {
  const anonymous = new Redis({ host: '127.0.0.1', port: ports.redis, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  anonymous.on('error', () => undefined);
  try {
    const answer = await anonymous.ping().then(
      (reply) => reply,
      (error: unknown) => String(error),
    );
    if (!answer.includes('NOAUTH')) throw new Error(`the secure test servers' Redis (port ${ports.redis}) answered a client without a user: ${answer}`);
  } finally {
    anonymous.disconnect();
  }
}

/**
 * Kafka with SASL/SCRAM and ACLs, Redis with ACL users and ClickHouse with
 * users granted per table (`createInfra({ secure })`) on a home and free
 * ports of their own, never the shared plain servers: reused when they run
 * already, otherwise started afresh (a stopped stack's home is removed
 * first, so its ports and passwords are new). The first start installs
 * nothing new: the download cache is the workspace's.
 */
export async function startSecureTestServers(options: SecureTestServersOptions = {}): Promise<SecureTestServers> {
  const home = options.home ?? join(findWorkspaceRoot(), '.tributary', 'secure-tests');
  const security = options.security ?? {};
  let ports = await runningPorts(home, security);
  const startedHere = ports === undefined;
  let infra: Infra;
  if (ports === undefined) {
    await createInfra({ env: { ...process.env, TRIBUTARY_HOME: home } }).down();
    await rm(home, { recursive: true, force: true });
    await mkdir(home, { recursive: true });
    ports = await freeInfraPorts();
    await writeFile(portsFile(home), `${JSON.stringify(ports)}\n`);
    infra = createInfra({ env: infraEnvAt(home, ports), secure: security });
    await infra.up();
  } else {
    infra = createInfra({ env: infraEnvAt(home, ports), secure: security });
  }
  await assertRefusesAnonymous(ports);
  const secrets = await ensureInfraSecrets(home);
  const admin = secureClientEnv(adminPrincipal, secrets, ports);
  const credentials = `${encodeURIComponent(adminPrincipal)}:${encodeURIComponent(secrets[adminPrincipal] ?? '')}`;
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(portSettings).map(([key, { envVar }]) => [envVar, String((ports as InfraPorts)[key as keyof InfraPorts])])),
    ...admin,
    CLICKHOUSE_URL: `http://${credentials}@127.0.0.1:${ports.clickhouseHttp}`,
  };
  return {
    home,
    ports,
    env,
    startedHere,
    async stop() {
      await infra.down();
      await rm(home, { recursive: true, force: true });
    },
  };
}
