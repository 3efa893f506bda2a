import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { identifyProcess, isAlive, spawnDetached, stopProcessGroup, waitForExit, type ProcessIdentity } from './process-group.js';

const node = process.execPath;

function start(script: string): { identity: ProcessIdentity; logFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'proc-'));
  const logFile = join(dir, 'server.log');
  const child = spawnDetached({ command: node, args: ['-e', script], cwd: dir }, logFile);
  const identity = child.pid === undefined ? undefined : identifyProcess(child.pid);
  if (!identity) throw new Error('did not start');
  return { identity, logFile };
}

describe('spawnDetached()', () => {
  it('starts the server as leader of its own process group, logging to the file', async () => {
    const { identity, logFile } = start('console.log(`listening as ${process.pid}`); setInterval(() => {}, 1000)');
    const stat = readFileSync(`/proc/${identity.pid}/stat`, 'utf8');
    const processGroup = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2];
    expect(processGroup).toBe(String(identity.pid));
    await expect.poll(() => readFileSync(logFile, 'utf8')).toContain(`listening as ${identity.pid}`);
    await stopProcessGroup(identity, 5_000);
  });
});

describe('spawnDetached() with a base environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  // Regression: services started for servers of one's own still got the process's credentials for other servers.
  it('passes on the base environment and the extra variables, not what only this process has', async () => {
    vi.stubEnv('SPEC_ONLY_HERE', 'leaked');
    const dir = mkdtempSync(join(tmpdir(), 'proc-'));
    const logFile = join(dir, 'server.log');
    const script = 'console.log(`seen: ${process.env.SPEC_ONLY_HERE ?? "-"} ${process.env.SPEC_BASE} ${process.env.SPEC_EXTRA}`)';
    const child = spawnDetached({ command: node, args: ['-e', script], cwd: dir, baseEnv: { PATH: process.env['PATH'], SPEC_BASE: 'base' }, env: { SPEC_EXTRA: 'extra' } }, logFile);
    await expect.poll(() => readFileSync(logFile, 'utf8')).toContain('seen: - base extra');
    expect(child.pid).toBeDefined();
  });
});

describe('spawnDetached() with a missing program', () => {
  it('returns a child without a PID instead of crashing the caller', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proc-'));
    const child = spawnDetached({ command: join(dir, 'no-such-server'), args: [], cwd: dir }, join(dir, 'server.log'));
    expect(child.pid).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
  });
});

describe('stopProcessGroup()', () => {
  it('stops a server with SIGTERM', async () => {
    const { identity } = start('setInterval(() => {}, 1000)');
    expect(await stopProcessGroup(identity, 5_000)).toBe('stopped');
    expect(isAlive(identity)).toBe(false);
  });

  it('kills a server that ignores SIGTERM once the grace period is over', async () => {
    const { identity, logFile } = start('process.on("SIGTERM", () => {}); console.log(`ignoring SIGTERM as ${process.pid}`); setInterval(() => {}, 1000)');
    await expect.poll(() => readFileSync(logFile, 'utf8')).toContain(`ignoring SIGTERM as ${identity.pid}`);
    expect(await stopProcessGroup(identity, 300)).toBe('killed');
    expect(isAlive(identity)).toBe(false);
  });

  it('does nothing to a process that is gone', async () => {
    const { identity } = start('process.exit(0)');
    expect(await waitForExit(identity, 5_000)).toBe(true);
    expect(await stopProcessGroup(identity, 1_000)).toBe('not-running');
  });
});

describe('isAlive()', () => {
  it('does not mistake a process that reused the PID for the recorded one', () => {
    const self = identifyProcess(process.pid);
    expect(self && isAlive(self)).toBe(true);
    expect(isAlive({ pid: process.pid, startTicks: '1' })).toBe(false);
  });
});
