/**
 * The Python environment the benchmarks compare against, shared by all of
 * them under `.tributary/bench-venv`: each benchmark names the pinned
 * packages it needs and gets them added, so one benchmark installing its own
 * never leaves another's missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where the benchmarks' virtual environment lives. */
export const BENCH_VENV_DIR = join('.tributary', 'bench-venv');

/** The environment's python with `packages` (pinned `name==version`) installed; creates the environment and installs what is missing. */
export function benchPython(packages: readonly string[]): string {
  const python = join(BENCH_VENV_DIR, 'bin', 'python');
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', BENCH_VENV_DIR], { stdio: 'inherit' });
  const missing = packages.filter((pinned) => !installed(python, pinned));
  if (missing.length > 0) {
    console.log(`installing ${missing.join(' ')} into ${BENCH_VENV_DIR}`);
    execFileSync(python, ['-m', 'pip', 'install', '--quiet', ...packages], { stdio: 'inherit' });
  }
  return python;
}

function installed(python: string, pinned: string): boolean {
  const [name, version] = pinned.split('==');
  const script = 'import sys, importlib.metadata as m\ntry: print(m.version(sys.argv[1]))\nexcept m.PackageNotFoundError: print("")';
  return execFileSync(python, ['-c', script, name as string], { encoding: 'utf8' }).trim() === version;
}
