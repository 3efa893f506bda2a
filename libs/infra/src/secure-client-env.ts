import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loopbackHost, type InfraPorts } from './infra-config.js';
import { secretsDir, type InfraSecrets } from './infra-secrets.js';
import { platformPrincipals } from './platform-principals.js';

/**
 * The environment a principal's clients need against the local secure
 * servers: `KAFKA_BROKERS` with `KAFKA_SASL_*`, `REDIS_URL` with its ACL user,
 * `CLICKHOUSE_URL` with `CLICKHOUSE_USER`/`CLICKHOUSE_PASSWORD`.
 */
export function secureClientEnv(principal: string, secrets: InfraSecrets, ports: InfraPorts): Record<string, string> {
  const password = secrets[principal];
  if (password === undefined) throw new TypeError(`no password for principal ${principal}`);
  return {
    KAFKA_BROKERS: `${loopbackHost}:${ports.kafka}`,
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD: password,
    REDIS_URL: `redis://${encodeURIComponent(principal)}:${encodeURIComponent(password)}@${loopbackHost}:${ports.redis}`,
    CLICKHOUSE_URL: `http://${loopbackHost}:${ports.clickhouseHttp}`,
    CLICKHOUSE_USER: principal,
    CLICKHOUSE_PASSWORD: password,
  };
}

/**
 * Writes `<home>/secrets/<principal>.env` (mode 0600) for every service
 * principal and `operator`: {@link secureClientEnv} plus `extra[principal]`
 * (e.g. its TLS files), one `NAME=value` a line, so that
 * `set -a; . .tributary/secrets/inference.env; set +a` arms a shell. Returns
 * the files by principal.
 */
export async function writeSecureClientEnvFiles(
  home: string,
  secrets: InfraSecrets,
  ports: InfraPorts,
  extra: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const principal of Object.keys(platformPrincipals)) {
    const env = { ...secureClientEnv(principal, secrets, ports), ...extra[principal] };
    const file = join(secretsDir(home), `${principal}.env`);
    await writeFile(file, Object.entries(env).map(([name, value]) => `${name}=${value}\n`).join(''), { mode: 0o600 });
    await chmod(file, 0o600);
    files[principal] = file;
  }
  return files;
}

/**
 * A principal's `<home>/secrets/<principal>.env`, as
 * {@link writeSecureClientEnvFiles} wrote it: one `NAME=value` a line, the
 * value taken whole (no quotes or expansion). Throws when the file is missing:
 * run `tributary infra up --secure` first.
 */
export async function readSecureClientEnvFile(home: string, principal: string): Promise<Record<string, string>> {
  const text = await readFile(join(secretsDir(home), `${principal}.env`), 'utf8');
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const equals = line.indexOf('=');
    if (equals > 0) env[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return env;
}
