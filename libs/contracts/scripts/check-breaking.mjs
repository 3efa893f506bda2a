// `buf breaking` of proto/ against the main branch (FILE rules, see buf.yaml).
// Skipped, with a note, when there is nothing to compare with: no main branch
// in this clone, or a main that has no protobuf module yet.
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { buf, root } from './buf.mjs';

const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const refExists = (ref) => spawnSync('git', ['rev-parse', '--verify', '--quiet', ref], { cwd: root }).status === 0;

const ref = ['refs/heads/main', 'refs/remotes/origin/main'].find(refExists);
if (!ref) {
  console.log('buf breaking: skipped, this clone has no main branch to compare with');
  process.exit(0);
}
const filesOnMain = git('ls-tree', '-r', '--name-only', ref, '--', 'buf.yaml', 'proto').split('\n');
if (!filesOnMain.includes('buf.yaml') || !filesOnMain.some((file) => file.endsWith('.proto'))) {
  console.log(`buf breaking: skipped, ${ref} has no protobuf module yet`);
  process.exit(0);
}
// The common dir, not `.git`, so that this also works from a linked worktree.
const gitDir = resolve(root, git('rev-parse', '--git-common-dir'));
const status = buf(['breaking', '--against', `${gitDir}#ref=${ref}`]);
if (status !== 0) console.error(`buf breaking: proto/ breaks the contracts on ${ref} (see above)`);
process.exit(status);
