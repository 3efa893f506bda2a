import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { principalNames } from './platform-principals.js';

/** The password of each principal (admin and services) on the local secure servers. */
export type InfraSecrets = Readonly<Record<string, string>>;

/** `<home>/secrets`: passwords, per-service env files and certificates (mode 0700, never in the repository). */
export function secretsDir(home: string): string {
  return join(home, 'secrets');
}

/**
 * The passwords of the local secure servers, made once (random, 24 bytes,
 * hex) and kept in `<home>/secrets/passwords.json` (mode 0600): the servers'
 * users are created from them at their first start, so they must not change
 * while the data lives. A principal missing from the file is added.
 */
export async function ensureInfraSecrets(home: string): Promise<InfraSecrets> {
  const dir = secretsDir(home);
  const file = join(dir, 'passwords.json');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Record<string, string>, () => ({}) as Record<string, string>);
  const secrets: Record<string, string> = { ...existing };
  for (const name of principalNames) secrets[name] ??= randomBytes(24).toString('hex');
  if (principalNames.some((name) => existing[name] === undefined)) {
    await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return secrets;
}
