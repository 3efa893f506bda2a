import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedInstall } from './cached-install.js';
import { loopbackHost, type InfraPorts } from './infra-config.js';
import { adminPassword, clickhouseUsersXml } from './infra-security.js';
import { runCommand } from './run-command.js';
import type { ServerContext, ServerDefinition } from './server-definition.js';

/** The chdb-core release from PyPI; its embedded clickhouse-local is ClickHouse 26.9. */
export const chdbCoreVersion = '26.9.0';

const launcherAsset = fileURLToPath(new URL('../assets/clickhouse-server.py', import.meta.url));

/** A venv in the cache with only chdb-core (pandas and pyarrow are not needed to serve); returns its python. */
async function installChdb(context: ServerContext): Promise<string> {
  const { cacheDir } = context.config;
  const venv = join(cacheDir, `chdb-core-${chdbCoreVersion}`);
  await cachedInstall(venv, `ClickHouse 26.9 (chdb-core ${chdbCoreVersion} from PyPI)`, context.onEvent, async () => {
    await runCommand(await context.tools.python(), ['-m', 'venv', venv]);
    await runCommand(
      join(venv, 'bin', 'python'),
      ['-m', 'pip', 'install', '--no-deps', '--no-input', '--disable-pip-version-check', `chdb-core==${chdbCoreVersion}`],
      { env: { PIP_CACHE_DIR: join(cacheDir, 'pip') } },
    );
  });
  return join(venv, 'bin', 'python');
}

/**
 * `GET /ping` must answer `Ok.`. Sent without keep-alive (`agent: false`):
 * ClickHouse waits for open connections on shutdown, so an idle pooled one
 * would hold up a stop by seconds.
 */
function probeClickhouse(ports: InfraPorts): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = get({ host: loopbackHost, port: ports.clickhouseHttp, path: '/ping', agent: false, timeout: 2_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => (body.trim() === 'Ok.' ? resolve() : reject(new Error(`/ping answered ${response.statusCode} ${JSON.stringify(body.slice(0, 80))}`))));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('/ping timed out')));
    request.on('error', reject);
  });
}

/** ClickHouse 26.9 through chdb-core's clickhouse-local, with HTTP and native TCP listeners on loopback. */
export const clickhouseServer: ServerDefinition = {
  service: 'clickhouse',
  portKeys: ['clickhouseHttp', 'clickhouseTcp'],
  readinessTimeoutMs: 30_000,
  stopGraceMs: 10_000,
  listen: (ports) => `http://${loopbackHost}:${ports.clickhouseHttp} (native ${ports.clickhouseTcp})`,
  async prepare(context) {
    const python = await installChdb(context);
    const { security } = context;
    const dataDir = join(context.config.home, security ? 'clickhouse-secure' : 'clickhouse');
    await mkdir(dataDir, { recursive: true });
    const { clickhouseHttp, clickhouseTcp } = context.config.ports;
    if (security) {
      const usersFile = join(dataDir, 'users.xml');
      await writeFile(usersFile, clickhouseUsersXml(security), { mode: 0o600 });
      await chmod(usersFile, 0o600);
    }
    return {
      command: python,
      args: [launcherAsset, dataDir, String(clickhouseHttp), String(clickhouseTcp)],
      cwd: dataDir,
      // The launcher's secure mode: users.xml in the data dir, and the admin to stop its blocking query.
      env: { PYTHONUNBUFFERED: '1', ...(security ? { TRIBUTARY_CLICKHOUSE_ADMIN_PASSWORD: adminPassword(security) } : {}) },
    };
  },
  probe: probeClickhouse,
};
