import { join, resolve } from 'node:path';
import { InvalidPortError } from './errors.js';
import { findWorkspaceRoot } from './workspace-root.js';

/** The servers `tributary infra` manages, in the order they are reported. */
export const serviceNames = ['kafka', 'clickhouse', 'redis'] as const;

/** One of {@link serviceNames}. */
export type ServiceName = (typeof serviceNames)[number];

/** The loopback address every server binds to. */
export const loopbackHost = '127.0.0.1';

/** Ports of the local servers, each set by its own environment variable. */
export interface InfraPorts {
  /** Kafka's client listener. `TRIBUTARY_KAFKA_PORT`, default 9092. */
  readonly kafka: number;
  /** Kafka's KRaft controller listener. `TRIBUTARY_KAFKA_CONTROLLER_PORT`, default 9093. */
  readonly kafkaController: number;
  /** ClickHouse over HTTP. `TRIBUTARY_CLICKHOUSE_HTTP_PORT`, default 8123. */
  readonly clickhouseHttp: number;
  /** ClickHouse's native protocol. `TRIBUTARY_CLICKHOUSE_TCP_PORT`, default 9000. */
  readonly clickhouseTcp: number;
  /** Redis. `TRIBUTARY_REDIS_PORT`, default 6379. */
  readonly redis: number;
}

/** The environment variable and default of each port. */
export const portSettings: Readonly<Record<keyof InfraPorts, { readonly envVar: string; readonly defaultPort: number }>> = {
  kafka: { envVar: 'TRIBUTARY_KAFKA_PORT', defaultPort: 9092 },
  kafkaController: { envVar: 'TRIBUTARY_KAFKA_CONTROLLER_PORT', defaultPort: 9093 },
  clickhouseHttp: { envVar: 'TRIBUTARY_CLICKHOUSE_HTTP_PORT', defaultPort: 8123 },
  clickhouseTcp: { envVar: 'TRIBUTARY_CLICKHOUSE_TCP_PORT', defaultPort: 9000 },
  redis: { envVar: 'TRIBUTARY_REDIS_PORT', defaultPort: 6379 },
};

/** Where local infrastructure keeps its files, and the ports it listens on. */
export interface InfraConfig {
  /** All data, logs and PID files. `TRIBUTARY_HOME`, default `<workspace>/.tributary`. */
  readonly home: string;
  /** Downloads and installs (jars, venv), shareable between homes. `TRIBUTARY_CACHE_DIR`, default `<home>/cache`. */
  readonly cacheDir: string;
  readonly ports: InfraPorts;
}

/** An environment variable's value, with blank treated as unset. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** The ports from `env`, defaults where unset; throws {@link InvalidPortError} on a value that is not a port. */
export function resolvePorts(env: NodeJS.ProcessEnv = process.env): InfraPorts {
  const port = (key: keyof InfraPorts): number => {
    const { envVar, defaultPort } = portSettings[key];
    const raw = envValue(env, envVar);
    if (raw === undefined) return defaultPort;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < 1 || value > 65_535) throw new InvalidPortError(envVar, raw);
    return value;
  };
  return {
    kafka: port('kafka'),
    kafkaController: port('kafkaController'),
    clickhouseHttp: port('clickhouseHttp'),
    clickhouseTcp: port('clickhouseTcp'),
    redis: port('redis'),
  };
}

/** Directories and ports from `env`; relative paths resolve against the working directory. */
export function resolveInfraConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const homeSetting = envValue(env, 'TRIBUTARY_HOME');
  const home = homeSetting ? resolve(homeSetting) : join(findWorkspaceRoot(), '.tributary');
  const cacheSetting = envValue(env, 'TRIBUTARY_CACHE_DIR');
  return { home, cacheDir: cacheSetting ? resolve(cacheSetting) : join(home, 'cache'), ports: resolvePorts(env) };
}
