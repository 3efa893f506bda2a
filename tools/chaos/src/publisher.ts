/**
 * The producer side of a scenario: `tributary publish` (the CLI's own publish
 * path, retries and all) replaying the slice into the scenario's raw topic,
 * run as a child process so a scenario can pause it like any other process.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findWorkspaceRoot } from '@tributary/infra';
import type { FlightSlice } from './flight-slice.js';

/** Options of {@link startPublisher}. */
export interface PublisherOptions {
  readonly slice: FlightSlice;
  readonly topic: string;
  /** Events per second offered, so faults land while events are still flowing. */
  readonly eventsPerSecond: number;
  readonly env: NodeJS.ProcessEnv;
  /** Where its output goes (appended). */
  readonly logFile: string;
}

/** How a publish run ended. */
export interface PublishOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines it printed (its summary, or why it failed). */
  readonly outputTail: string;
}

/** A running publisher. */
export interface Publisher {
  readonly pid: number;
  /** Settles when the process exits, however it exits. */
  readonly done: Promise<PublishOutcome>;
  /** SIGSTOPs it, waits `pauseMs`, SIGCONTs it. */
  pause(pauseMs: number): Promise<void>;
  /** SIGKILLs it if it still runs. */
  kill(): void;
}

/** Starts `tributary publish --from … --to … --rate … --topic …` against the stack in `env`. */
export function startPublisher(options: PublisherOptions): Publisher {
  const { slice, topic, eventsPerSecond, env, logFile } = options;
  const root = findWorkspaceRoot();
  const args = [join(root, 'apps', 'cli', 'dist', 'main.js'), 'publish', '--from', slice.from, '--to', slice.to, '--rate', String(eventsPerSecond), '--topic', topic];
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', log, log] });
  closeSync(log);
  let exited = false;
  const done = new Promise<PublishOutcome>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      exited = true;
      const output = readFileSync(logFile, 'utf8').replace(/\r/g, '\n').split('\n').filter((line) => line.trim() !== '');
      resolve({ exitCode, signal, outputTail: output.slice(-5).join('\n') });
    };
    child.once('exit', finish);
    child.once('error', () => finish(null, null));
  });
  if (child.pid === undefined) throw new Error(`could not start the publisher (log: ${logFile})`);
  const pid = child.pid;
  return {
    pid,
    done,
    async pause(pauseMs) {
      if (exited) return;
      child.kill('SIGSTOP');
      try {
        await sleep(pauseMs);
      } finally {
        if (!exited) child.kill('SIGCONT');
      }
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}
