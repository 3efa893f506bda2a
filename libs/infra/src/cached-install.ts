import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from './file-lock.js';
import { installStep, type InfraEventListener } from './infra-reports.js';

const completeMarker = '.complete';

/**
 * Installs into `dir` once: a marker written last says the install finished,
 * so an interrupted one is wiped and redone. A lock beside `dir` lets several
 * processes (and homes sharing one cache) ask at once; all but one wait.
 * Returns `dir`.
 */
export async function cachedInstall(
  dir: string,
  step: string,
  onEvent: InfraEventListener,
  install: (dir: string) => Promise<void>,
): Promise<string> {
  const marker = join(dir, completeMarker);
  if (existsSync(marker)) return dir;
  await withFileLock(`${dir}.lock`, async () => {
    if (existsSync(marker)) return;
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await installStep(onEvent, step, () => install(dir));
    await writeFile(marker, new Date().toISOString() + '\n');
  });
  return dir;
}
