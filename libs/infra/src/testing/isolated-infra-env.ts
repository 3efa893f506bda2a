import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWorkspaceRoot, portSettings, type InfraPorts } from '../index.js';

function listenOnFreePort(): Promise<Server> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (server: Server) => (server.address() as { port: number }).port;
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * An environment for servers of a test's own: a temporary TRIBUTARY_HOME,
 * five free ports (never the default ones others use) and the shared
 * download cache (TRIBUTARY_CACHE_DIR, default the workspace's
 * .tributary/cache), so only the first run ever installs.
 */
export async function isolatedInfraEnv(): Promise<{ env: NodeJS.ProcessEnv; home: string; ports: InfraPorts }> {
  const servers = await Promise.all([1, 2, 3, 4, 5].map(listenOnFreePort));
  const [kafka, kafkaController, clickhouseHttp, clickhouseTcp, redis] = servers.map(portOf) as [number, number, number, number, number];
  await Promise.all(servers.map(close));
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
