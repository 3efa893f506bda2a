/**
 * The producer side of a scenario: `tributary publish` (the CLI's own publish
 * path, retries and all) replaying the slice into the scenario's raw topic,
 * run as a child process so a scenario can pause it like any other process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FlightSlice } from './flight-slice.js';
import { startNodeScript, type ScriptOutcome } from './node-script.js';

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

/** A running publisher. */
export interface Publisher {
  readonly pid: number;
  /** Settles when the process exits, however it exits. */
  readonly done: Promise<ScriptOutcome>;
  /** SIGSTOPs it, waits `pauseMs`, SIGCONTs it. */
  pause(pauseMs: number): Promise<void>;
  /** SIGKILLs it if it still runs. */
  kill(): void;
}

/** Starts `tributary publish --from … --to … --rate … --topic …` against the stack in `env`. */
export function startPublisher(options: PublisherOptions): Publisher {
  const { slice, topic, eventsPerSecond, env, logFile } = options;
  const args = ['publish', '--from', slice.from, '--to', slice.to, '--rate', String(eventsPerSecond), '--topic', topic];
  const script = startNodeScript('apps/cli/dist/main.js', args, env, logFile);
  return {
    pid: script.pid,
    done: script.done,
    async pause(pauseMs) {
      if (script.exited()) return;
      script.child.kill('SIGSTOP');
      try {
        await sleep(pauseMs);
      } finally {
        if (!script.exited()) script.child.kill('SIGCONT');
      }
    },
    kill() {
      if (!script.exited()) script.child.kill('SIGKILL');
    },
  };
}
