import { join } from 'node:path';
import { cachedInstall } from './cached-install.js';
import { resolveInfraConfig } from './infra-config.js';
import type { InfraEventListener } from './infra-reports.js';
import { runCommand } from './run-command.js';
import { createSystemTools } from './system-tools.js';

/** Options of {@link ensurePythonVenv}. */
export interface PythonVenvOptions {
  /** Pinned requirements, e.g. `tritonclient[grpc,http]==2.73.0`; the venv's directory is named after them. */
  readonly packages: readonly string[];
  /** Where venvs and pip's download cache live. Default: the infra cache (`TRIBUTARY_CACHE_DIR`, `.tributary/cache`). */
  readonly cacheDir?: string;
  /** Progress of the install. Default: none. */
  readonly onEvent?: InfraEventListener;
}

/**
 * A Python virtual environment with exactly `packages` installed from PyPI,
 * made once and reused: its directory is named after the pinned packages, so
 * another set gets another venv, and an interrupted install is redone (see
 * `cachedInstall`). Returns the venv's `python`. For project tooling and
 * tests that drive standard clients (e.g. tritonclient); nothing here runs at
 * service run time.
 */
export async function ensurePythonVenv(options: PythonVenvOptions): Promise<string> {
  const cacheDir = options.cacheDir ?? resolveInfraConfig().cacheDir;
  const onEvent = options.onEvent ?? (() => undefined);
  const name = options.packages
    .map((pinned) => pinned.replace(/\[.*?\]/g, '').replace(/[^A-Za-z0-9.=_-]/g, ''))
    .join('+')
    .replace(/==/g, '-');
  const venv = join(cacheDir, 'python', name);
  await cachedInstall(venv, `Python packages ${options.packages.join(' ')} from PyPI`, onEvent, async () => {
    const python = await createSystemTools({ onEvent }).python();
    await runCommand(python, ['-m', 'venv', venv]);
    await runCommand(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', ...options.packages], {
      env: { PIP_CACHE_DIR: join(cacheDir, 'pip') },
    });
  });
  return join(venv, 'bin', 'python');
}
