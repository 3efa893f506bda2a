import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWorkspaceRoot, freePorts, portSettings, type InfraPorts } from '../index.js';

/**
 * An environment for servers of a test's own: a temporary TRIBUTARY_HOME,
 * five free ports (never the default ones others use) and the shared
 * download cache (TRIBUTARY_CACHE_DIR, default the workspace's
 * .tributary/cache), so only the first run ever installs.
 */
export async function isolatedInfraEnv(): Promise<{ env: NodeJS.ProcessEnv; home: string; ports: InfraPorts }> {
  const [kafka, kafkaController, clickhouseHttp, clickhouseTcp, redis] = (await freePorts(5)) as [number, number, number, number, number];
  const ports: InfraPorts = { kafka, kafkaController, clickhouseHttp, clickhouseTcp, redis };
  const home = mkdtempSync(join(tmpdir(), 'tributary-infra-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TRIBUTARY_HOME: home,
    TRIBUTARY_CACHE_DIR: process.env['TRIBUTARY_CACHE_DIR'] ?? join(findWorkspaceRoot(), '.tributary', 'cache'),
  };
  for (const [key, { envVar }] of Object.entries(portSettings)) env[envVar] = String(ports[key as keyof InfraPorts]);
  return { env, home, ports };
}
