import { spawn } from 'node:child_process';
import { CommandFailedError } from './errors.js';

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Working directory. Default: the current one. */
  readonly cwd?: string;
  /** Extra environment variables on top of `process.env`. Default none. */
  readonly env?: NodeJS.ProcessEnv;
  /** How many of the last output lines a failure carries. Default 20. */
  readonly tailLines?: number;
}

/** The last `count` non-empty lines of `text`. */
export function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .join('\n');
}

/**
 * Runs a program to completion and returns what it printed (stdout and
 * stderr together). Throws {@link CommandFailedError} with the last lines of
 * output when it cannot start or exits non-zero.
 */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<string> {
  const { tailLines = 20 } = options;
  const display = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (cause) => reject(new CommandFailedError(display, null, cause.message, { cause })));
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new CommandFailedError(display, code, lastLines(output, tailLines)));
    });
  });
}
