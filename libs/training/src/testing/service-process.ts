import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** Options of {@link startServiceProcess}. */
export interface ServiceProcessOptions {
  /** The service's `main.ts`, run from source (development export condition, tsx). */
  readonly entry: URL;
  /** Added to this process's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The `msg` of the JSON log line that says the service is serving. */
  readonly readyMessage: string;
  /** Give up after this long, in ms. Default 60 000. */
  readonly timeoutMs?: number;
}

/** A started service process. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** The fields of its ready log line, e.g. `grpcPort`. */
  readonly ready: Readonly<Record<string, unknown>>;
  /** SIGTERM, then waits for the exit; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Runs another service from source as a child process — apps never import
 * each other, so a test needing, say, the registry starts it this way — and
 * resolves once it logs `readyMessage` (its JSON logs on stdout).
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', options.entry.pathname], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
      const entry = parseLine(line);
      if (entry?.['msg'] === options.readyMessage) {
        // Keep draining its output so the child never blocks on a full pipe.
        child.stdout?.resume();
        return { child, ready: entry, stop };
      }
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`${options.entry.pathname} exited (code ${child.exitCode}) before logging "${options.readyMessage}"`);
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
