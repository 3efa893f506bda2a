/**
 * A private redis-server for tests that must stop and restart Redis without
 * touching the shared one: its own port and directory, AOF with
 * `appendfsync always` like the registry's Redis in deploy/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '@tributary/infra';
import { temporaryDirectory } from './fixtures.js';

/** A redis-server this test owns. */
export interface ThrowawayRedis {
  readonly url: string;
  /** Stops the server with `signal` and starts it again on the same port and data. */
  restart(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

/** Starts a throwaway redis-server on a free loopback port. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const directory = await temporaryDirectory();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory.path, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
  let server = await launch(args);

  async function stop(signal: NodeJS.Signals): Promise<void> {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, 'exit');
    server.kill(signal);
    await exited;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    async restart(signal) {
      await stop(signal);
      server = await launch(args);
    },
    async destroy() {
      await stop('SIGKILL');
      await directory.remove();
    },
  };
}

/** Spawns redis-server and resolves once it accepts connections (after replaying its AOF). */
async function launch(args: readonly string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not become ready:\n${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  return child;
}

