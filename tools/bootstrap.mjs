#!/usr/bin/env node
// First step of every README command: make a fresh clone runnable with nothing
// installed by hand. Installs npm packages when the lockfile changed since the
// last install, then builds every project (Nx caches, so a warm run is quick).
// Plain JavaScript with no dependencies: it runs before node_modules exists.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`tributary needs Node.js >= 20.19 (this is ${process.versions.node}). Install a newer Node.js and run the command again.`);
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_NO_CLOUD: 'true' } });
  if (result.status !== 0) {
    console.error(`\n${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

// The lockfile and the patches applied to installed packages (patch-package, at postinstall): either changing reinstalls.
const patchesDir = join(root, 'patches');
const lockHash = () => {
  const hash = createHash('sha256').update(readFileSync(join(root, 'package-lock.json')));
  for (const patch of existsSync(patchesDir) ? readdirSync(patchesDir).sort() : []) hash.update(patch).update(readFileSync(join(patchesDir, patch)));
  return hash.digest('hex');
};
const stamp = join(root, 'node_modules', '.tributary-lock-sha256');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash()) {
  // `npm install` rather than `npm ci`: the lockfile pins every version, but npm ci
  // also demands lock entries for other platforms' optional binaries (e.g. buf's
  // darwin/win32 builds), which a registry without them cannot provide.
  console.log('Installing npm packages…');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(stamp, lockHash());
}
run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static', '--skipNxCache=false']);
