/**
 * `tributary infra up`, timed as a user meets it (the CLI as a child process):
 * cold — an empty home and an empty cache, so Kafka's jars (with a fresh Maven
 * repository under the cache) and the chdb-core wheel really download — then
 * warm starts after `down`, and a no-op `up` while everything runs. Uses a
 * temporary home and free ports, never the default ones; deletes both after.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tributary/infra';
import { percentile, reportResults } from './results.js';

const cliMain = fileURLToPath(new URL('../../../apps/cli/dist/main.js', import.meta.url));
const warmRuns = 3;

const portEnvVars = [
  'TRIBUTARY_KAFKA_PORT',
  'TRIBUTARY_KAFKA_CONTROLLER_PORT',
  'TRIBUTARY_CLICKHOUSE_HTTP_PORT',
  'TRIBUTARY_CLICKHOUSE_TCP_PORT',
  'TRIBUTARY_REDIS_PORT',
];

/** Runs `tributary infra <command>` with its output shown; resolves with the wall time in seconds. */
function timedInfra(command: string, env: NodeJS.ProcessEnv): Promise<number> {
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, 'infra', command], { env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve((performance.now() - startedAt) / 1000) : reject(new Error(`tributary infra ${command} exited ${code}`)),
    );
  });
}

export async function run(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'bench-infra-home-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'bench-infra-cache-'));
  const env: NodeJS.ProcessEnv = { ...process.env, TRIBUTARY_HOME: home, TRIBUTARY_CACHE_DIR: cacheDir };
  for (const name of portEnvVars) env[name] = String(await freePort());
  try {
    console.log('cold start: empty home and cache');
    const coldS = await timedInfra('up', env);
    const noopS = await timedInfra('up', env);
    const downS = [await timedInfra('down', env)];
    const warmS: number[] = [];
    for (let i = 0; i < warmRuns; i++) {
      console.log(`warm start ${i + 1}/${warmRuns}`);
      warmS.push(await timedInfra('up', env));
      downS.push(await timedInfra('down', env));
    }
    reportResults('infra', [
      { name: 'infra up, cold (downloads jars and chdb-core)', value: coldS, unit: 's' },
      { name: `infra up, warm after down (median of ${warmRuns})`, value: percentile(warmS, 50), unit: 's', target: '≤ 10' },
      { name: `infra up, warm after down (max of ${warmRuns})`, value: Math.max(...warmS), unit: 's', target: '≤ 10' },
      { name: 'infra up, all already running', value: noopS, unit: 's', target: '≤ 2' },
      { name: `infra down (max of ${downS.length})`, value: Math.max(...downS), unit: 's' },
    ]);
  } finally {
    await timedInfra('down', env).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
