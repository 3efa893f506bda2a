/** A workspace script (`apps/<app>/dist/main.js …`) run as a child process of the suite, its output appended to a log. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findWorkspaceRoot } from '@tributary/infra';
import { ChaosProcessError } from './errors.js';

/** How a script run ended. */
export interface ScriptOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines it printed (progress bars' carriage returns read as line ends). */
  readonly outputTail: string;
}

/** A running script. */
export interface NodeScript {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles when the process exits, however it exits. */
  readonly done: Promise<ScriptOutcome>;
  /** Whether it has exited. */
  exited(): boolean;
}

/** Starts `node <workspace>/<script> …args` with `env`; output goes to `logFile`. */
export function startNodeScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): NodeScript {
  const root = findWorkspaceRoot();
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(root, script), ...args], { cwd: root, env, stdio: ['ignore', log, log] });
  closeSync(log);
  let hasExited = false;
  const done = new Promise<ScriptOutcome>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      hasExited = true;
      const output = readFileSync(logFile, 'utf8').replace(/\r/g, '\n').split('\n').filter((line) => line.trim() !== '');
      resolve({ exitCode, signal, outputTail: output.slice(-5).join('\n') });
    };
    child.once('exit', finish);
    child.once('error', () => finish(null, null));
  });
  if (child.pid === undefined) throw new ChaosProcessError(script, 'could not be started', logFile);
  return { child, pid: child.pid, done, exited: () => hasExited };
}
