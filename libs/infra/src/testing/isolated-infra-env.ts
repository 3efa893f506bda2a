import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWorkspaceRoot, freePorts, portSettings, type InfraPorts } from '../index.js';

/**
 * Variables that point clients at other servers (the shared ones, or the
 * secure ones a secure test run sets): servers of one's own leave them out,
 * so their clients find them by the ports alone.
 */
const otherServersVariables = [
  'KAFKA_BROKERS',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
  'REDIS_URL',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'CLICKHOUSE_URL',
  'CLICKHOUSE_USER',
  'CLICKHOUSE_PASSWORD',
];

/** Five distinct free ports (never the default ones others use). */
export async function freeInfraPorts(): Promise<InfraPorts> {
  const [kafka, kafkaController, clickhouseHttp, clickhouseTcp, redis] = (await freePorts(5)) as [number, number, number, number, number];
  return { kafka, kafkaController, clickhouseHttp, clickhouseTcp, redis };
}

/**
 * `createInfra({ env })`'s environment for servers at `home` on `ports`:
 * this process's environment without {@link otherServersVariables}, with
 * TRIBUTARY_HOME, the ports and the shared download cache
 * (TRIBUTARY_CACHE_DIR, default the workspace's .tributary/cache), so only
 * the first run ever installs.
 */
export function infraEnvAt(home: string, ports: InfraPorts): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TRIBUTARY_HOME: home,
    TRIBUTARY_CACHE_DIR: process.env['TRIBUTARY_CACHE_DIR'] ?? join(findWorkspaceRoot(), '.tributary', 'cache'),
  };
  for (const name of otherServersVariables) delete env[name];
  for (const [key, { envVar }] of Object.entries(portSettings)) env[envVar] = String(ports[key as keyof InfraPorts]);
  return env;
}

/** An environment for servers of a test's own: a temporary TRIBUTARY_HOME and free ports, see {@link infraEnvAt}. */
export async function isolatedInfraEnv(): Promise<{ env: NodeJS.ProcessEnv; home: string; ports: InfraPorts }> {
  const ports = await freeInfraPorts();
  const home = mkdtempSync(join(tmpdir(), 'tributary-infra-'));
  return { env: infraEnvAt(home, ports), home, ports };
}
