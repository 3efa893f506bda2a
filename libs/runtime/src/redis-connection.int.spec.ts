import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@tributary/observability';
import { createRedisConnection, redisReconnectDelayMs } from './index.js';

const fixture = fileURLToPath(new URL('./testing/redis-client.fixture.ts', import.meta.url));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A throwaway redis-server of this test only, on its own port, keeping nothing on disk; `extra` adds settings (e.g. ACL users). */
async function startRedis(port: number, extra: readonly string[] = []): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' });
  children.push(server);
  await vi.waitFor(
    async () => {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      probe.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await once(probe, 'exit');
      // A server without an open default user answers, but refuses the ping.
      expect(out.trim()).toMatch(/^(PONG|NOAUTH)/);
    },
    { timeout: 10_000, interval: 100 },
  );
  return server;
}

async function kill(server: ChildProcess): Promise<void> {
  server.kill('SIGKILL');
  if (server.exitCode === null && server.signalCode === null) await once(server, 'exit');
}

describe('createRedisConnection()', () => {
  it('logs a Redis outage as structured events, one line per state change, and prints no unhandled error', async () => {
    const port = await freePort();
    let server = await startRedis(port);
    const client = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', fixture], {
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}` },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(client);
    let stderr = '';
    client.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: client.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    const metrics = async () => {
      const before = lines.length;
      client.stdin!.write('metrics\n');
      await vi.waitFor(() => expect(lines.slice(before).some((line) => 'metrics' in line)).toBe(true), { timeout: 10_000 });
      return lines.slice(before).find((line) => 'metrics' in line)?.['metrics'] as Record<string, number>;
    };
    const events = () => lines.map((line) => line['event']).filter((event) => event !== undefined);

    await vi.waitFor(async () => expect((await metrics())['tributary_redis_connection_up']).toBe(1), { timeout: 10_000 });
    await kill(server);
    // Down long enough for dozens of failed reconnections and pings.
    await sleep(5000);
    expect((await metrics())['tributary_redis_connection_up']).toBe(0);
    server = await startRedis(port);
    await vi.waitFor(() => expect(events()).toContain('redis.up'), { timeout: 10_000 });
    const after = await metrics();
    expect(after['tributary_redis_connection_up']).toBe(1);
    client.kill('SIGTERM');
    await once(client, 'exit');

    expect(stderr).not.toContain('Unhandled error event');
    expect(stderr).toBe('');
    // One line when it went down, a reminder every 2 s (logEveryMs) at most, one when it came back.
    const [down, ...rest] = lines.filter((line) => line['event'] !== undefined);
    expect(down).toMatchObject({ level: 'error', event: 'redis.down', client: 'fixture', msg: 'redis connection down; reconnecting' });
    expect(rest.at(-1)).toMatchObject({ level: 'info', event: 'redis.up', client: 'fixture' });
    expect(Number(rest.at(-1)?.['downForMs'])).toBeGreaterThanOrEqual(4000);
    expect(rest.slice(0, -1).every((line) => line['event'] === 'redis.still_down')).toBe(true);
    expect(rest.length - 1).toBeLessThanOrEqual(Math.ceil(Number(rest.at(-1)?.['downForMs']) / 2000));
    expect(after['tributary_redis_connection_errors_total']).toBeGreaterThan(rest.length + 1);
    await kill(server);
  }, 40_000);

  it('signs in as the given ACL user when the URL carries no credentials, and lets a URL\'s own credentials win', async () => {
    const port = await freePort();
    const server = await startRedis(port, ['--user', 'default', 'off', '--user', 'svc', 'on', '>svc-password', '~svc:*', '+@all']);
    const logger = createLogger({ name: 'redis-credentials-spec', level: 'silent' });
    const open = (url: string, credentials?: { username?: string; password?: string }) =>
      createRedisConnection({ url, name: 'credentials-spec', logger, maxRetriesPerRequest: 0, ...(credentials ? { credentials } : {}) });
    const signedIn = open(`redis://127.0.0.1:${port}`, { username: 'svc', password: 'svc-password' });
    const anonymous = open(`redis://127.0.0.1:${port}`);
    const urlWins = open(`redis://svc:svc-password@127.0.0.1:${port}`, { username: 'svc', password: 'not-the-password' });
    try {
      await signedIn.set('svc:key', 'written');
      expect(await urlWins.get('svc:key')).toBe('written');
      await expect(signedIn.set('other:key', 'x')).rejects.toThrow(/NOPERM/);
      // Refused either by the command's own NOAUTH reply or, when the client's ready check met NOAUTH first and it
      // reconnected meanwhile, by the command given up (maxRetriesPerRequest 0); the server is up (the others answer).
      await expect(anonymous.get('svc:key')).rejects.toThrow(/NOAUTH|max retries per request/);
    } finally {
      for (const client of [signedIn, anonymous, urlWins]) client.disconnect();
      await kill(server);
    }
  });

  it('backs off reconnection from 100 ms to at most 2 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(redisReconnectDelayMs)).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });
});
