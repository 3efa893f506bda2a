import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** What to run for a server: the program, its arguments, where and with what environment. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Extra environment variables on top of {@link LaunchSpec.baseEnv}. */
  readonly env?: NodeJS.ProcessEnv;
  /** The environment `env` goes on top of: a variable it lacks is not passed on. Default `process.env`. */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

/**
 * A process as the kernel knows it: its PID and its start time in clock ticks
 * since boot. The pair stays unique even after the PID is reused, so a stale
 * PID file never makes us signal a stranger.
 */
export interface ProcessIdentity {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat; `undefined` where /proc is not available. */
  readonly startTicks: string | undefined;
}

const hasProcfs = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/** State letter and start time from /proc/<pid>/stat, or undefined if there is no such process. */
function readStat(pid: number): { state: string; startTicks: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTicks: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** The identity of a live process, or undefined if it does not exist (or is a zombie). */
export function identifyProcess(pid: number): ProcessIdentity | undefined {
  if (!hasProcfs) return isSignalable(pid) ? { pid, startTicks: undefined } : undefined;
  const stat = readStat(pid);
  if (!stat || stat.state === 'Z') return undefined;
  return { pid, startTicks: stat.startTicks };
}

function isSignalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process is still running. A zombie counts as gone: it has
 * exited and holds no ports, it only waits for its parent to reap it.
 */
export function isAlive(target: ProcessIdentity): boolean {
  const current = identifyProcess(target.pid);
  if (!current) return false;
  return target.startTicks === undefined || current.startTicks === target.startTicks;
}

/**
 * Starts a server in its own process group with stdout and stderr appended to
 * `logFile`, so it outlives the caller and can be stopped as a group. The
 * returned child is unreferenced: it does not keep the caller alive, yet its
 * `exit` event still fires while the caller runs.
 */
export function spawnDetached(spec: LaunchSpec, logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  try {
    writeSync(log, `\n--- ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...(spec.baseEnv ?? process.env), ...spec.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    // A failed spawn leaves `child.pid` undefined, which the caller reports; without a listener the event would crash us.
    child.on('error', () => undefined);
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

/** Waits until the process is gone; returns whether it went within `timeoutMs`. */
export async function waitForExit(target: ProcessIdentity, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(target)) {
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** How {@link stopProcessGroup} ended a process. */
export type StopOutcome = 'stopped' | 'killed' | 'not-running';

/**
 * Stops the process group led by `target`: SIGTERM, then SIGKILL if it has
 * not exited after `graceMs`. Resolves once the leader is gone; a final
 * SIGKILL to the group takes any child it left behind.
 */
export async function stopProcessGroup(target: ProcessIdentity, graceMs: number): Promise<StopOutcome> {
  if (!isAlive(target)) return 'not-running';
  signalGroup(target.pid, 'SIGTERM');
  let outcome: StopOutcome = 'stopped';
  if (!(await waitForExit(target, graceMs))) {
    outcome = 'killed';
    signalGroup(target.pid, 'SIGKILL');
    await waitForExit(target, 10_000);
  }
  signalGroup(target.pid, 'SIGKILL');
  return outcome;
}
