import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./testing/service.fixture.ts', import.meta.url));

/** Starts the fixture service and resolves once it printed that it is ready. */
async function startService(mode: 'clean' | 'faulty' | 'stuck') {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', fixture], {
    env: { ...process.env, FIXTURE_MODE: mode },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as Record<string, unknown>;
        events.push(event);
        if (event['ready'] === true) resolve();
      }
    });
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await Promise.race([ready, exited.then(() => Promise.reject(new Error(`fixture exited early: ${stderr}`)))]);
  return { child, events, exited, stderr: () => stderr };
}

describe('createLifecycle() on signals', () => {
  it('closes newest first on SIGTERM and exits 0', async () => {
    const service = await startService('clean');
    service.child.kill('SIGTERM');
    const [code] = await service.exited;
    expect(code).toBe(0);
    expect(service.events).toEqual([{ ready: true }, { closing: 'server', ready: false }, { closed: 'consumer' }, { closed: 'database' }]);
  });

  it('logs a hung and a failing close on SIGINT, closes the rest and exits 1', async () => {
    const service = await startService('faulty');
    service.child.kill('SIGINT');
    const [code] = await service.exited;
    expect(code).toBe(1);
    expect(service.events.slice(1)).toEqual([{ closing: 'server', ready: false }, { closed: 'database' }]);
    expect(service.stderr()).toContain('server refused to close');
    expect(service.stderr()).toContain('closing consumer did not finish within 200 ms');
  });

  it('exits at once with 1 on a second signal during shutdown', async () => {
    const service = await startService('stuck');
    service.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    service.child.kill('SIGTERM');
    const [code] = await service.exited;
    expect(code).toBe(1);
    expect(service.stderr()).toContain('second signal during shutdown');
  });
});
