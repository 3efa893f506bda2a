/**
 * The suite's own Kafka, ClickHouse and Redis: started through
 * `@tributary/infra` under a home of their own, on ports the OS reports
 * free, sharing only the download cache with the workspace's servers — so
 * killing them never touches the servers other work depends on.
 */
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInfra, findWorkspaceRoot, isAlive, isPortFree, loopbackHost, readRunRecord, type Infra, type InfraPorts, type ServiceName } from '@tributary/infra';
import { freeInfraPorts, infraEnvAt } from '@tributary/infra/testing';
import { NotRunningError, SharedInfraRefusedError } from './errors.js';

/** Options of {@link createChaosStack}. */
export interface ChaosStackOptions {
  /** Home of the suite's servers (data, logs, PID files). Default `<workspace>/.tributary/chaos`. */
  readonly home?: string;
  /** Download cache to share, so nothing is installed twice. Default `<workspace>/.tributary/cache`. */
  readonly cacheDir?: string;
  /** Told about installs and starts. Default: nothing. */
  readonly onEvent?: (line: string) => void;
}

/** The suite's servers and the environment that points clients and services at them. */
export interface ChaosStack {
  readonly home: string;
  readonly ports: InfraPorts;
  /**
   * Endpoints and infra settings of this stack only: the shared servers'
   * `KAFKA_BROKERS`, `REDIS_URL`, `CLICKHOUSE_URL` are replaced and their
   * credentials (`KAFKA_SASL_*`, `REDIS_USERNAME`, `CLICKHOUSE_USER`, …) left
   * out — this stack's servers are plain.
   */
  readonly env: NodeJS.ProcessEnv;
  readonly kafkaBrokers: readonly string[];
  readonly redisUrl: string;
  readonly clickhouseUrl: string;
  /** Starts what is not running (after a kill: restarts it) and waits until ready. */
  up(): Promise<void>;
  /** SIGKILLs one server's process group, by the PID this stack recorded for it; returns the PID. */
  kill(server: ServiceName): Promise<number>;
  /** Stops every server of this stack by its recorded PID. Idempotent. */
  down(): Promise<void>;
}

/** The ports each server listens on. */
const serverPortKeys: Readonly<Record<ServiceName, readonly (keyof InfraPorts)[]>> = {
  kafka: ['kafka', 'kafkaController'],
  clickhouse: ['clickhouseHttp', 'clickhouseTcp'],
  redis: ['redis'],
};

/**
 * Builds the stack's settings (nothing starts until `up()`); refuses a home
 * that is the workspace's shared one, so `kill` can never reach the servers
 * of `tributary infra up`.
 */
export async function createChaosStack(options: ChaosStackOptions = {}): Promise<ChaosStack> {
  const root = findWorkspaceRoot();
  const home = resolve(options.home ?? join(root, '.tributary', 'chaos'));
  if (home === join(root, '.tributary')) throw new SharedInfraRefusedError(`home ${home} is the workspace's shared one`);
  const ports = await freeInfraPorts();
  const kafkaBrokers = [`${loopbackHost}:${ports.kafka}`];
  const redisUrl = `redis://${loopbackHost}:${ports.redis}`;
  const clickhouseUrl = `http://${loopbackHost}:${ports.clickhouseHttp}`;
  const env: NodeJS.ProcessEnv = {
    // Regression: a secure test run's credentials reached this plain stack's clients ("Request is not valid given the current SASL state").
    ...infraEnvAt(home, ports),
    TRIBUTARY_CACHE_DIR: resolve(options.cacheDir ?? join(root, '.tributary', 'cache')),
    KAFKA_BROKERS: kafkaBrokers.join(','),
    REDIS_URL: redisUrl,
    CLICKHOUSE_URL: clickhouseUrl,
  };
  const onEvent = options.onEvent ?? (() => undefined);
  const infra: Infra = createInfra({ env, onEvent: (event) => onEvent(`infra: ${event.kind} ${'service' in event ? event.service : event.step}`) });

  return {
    home,
    ports,
    env,
    kafkaBrokers,
    redisUrl,
    clickhouseUrl,
    async up() {
      await infra.up();
    },
    async kill(server) {
      const record = await readRunRecord(home, server);
      if (!record || !isAlive(record)) throw new NotRunningError(server);
      // The recorded process leads its own group (the servers are spawned detached): the group goes with it.
      process.kill(-record.pid, 'SIGKILL');
      // Gone once its ports can be bound again (a dying process's other threads may still hold them).
      const deadline = Date.now() + 30_000;
      const serverPorts = serverPortKeys[server].map((key) => ports[key]);
      while (Date.now() < deadline) {
        const free = await Promise.all(serverPorts.map((port) => isPortFree(port)));
        if (!isAlive(record) && free.every(Boolean)) break;
        await sleep(50);
      }
      return record.pid;
    },
    async down() {
      await infra.down();
    },
  };
}
