// Fails when libs/contracts/src/gen is not exactly what `buf generate` makes
// from proto/ now: regenerates into a temporary directory and compares.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buf, root } from './buf.mjs';

const genDir = 'libs/contracts/src/gen';

/** Relative paths of all files under `dir`, sorted. */
function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

const scratch = mkdtempSync(join(tmpdir(), 'contracts-gen-'));
try {
  const status = buf(['generate', '--output', scratch]);
  if (status !== 0) process.exit(status);
  const fresh = join(scratch, genDir);
  const committed = join(root, genDir);
  const freshFiles = listFiles(fresh);
  const committedFiles = listFiles(committed);
  const stale = [...new Set([...freshFiles, ...committedFiles])].filter(
    (file) =>
      !freshFiles.includes(file) ||
      !committedFiles.includes(file) ||
      !readFileSync(join(fresh, file)).equals(readFileSync(join(committed, file))),
  );
  if (stale.length > 0) {
    console.error(`${genDir} is stale; these files differ from what proto/ generates:`);
    for (const file of stale) console.error(`  ${file}`);
    console.error('Run `npx nx run @tributary/contracts:generate` and commit the result.');
    process.exit(1);
  }
  console.log(`${genDir} is up to date with proto/`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
