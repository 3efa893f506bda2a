import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { describePortHolder, freePort, isPortFree } from './port-check.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

function listen(): Promise<number> {
  server = createServer();
  return new Promise((resolve) => server?.listen(0, '127.0.0.1', () => resolve((server?.address() as { port: number }).port)));
}

describe('isPortFree()', () => {
  it('is false while something listens and true once it stops', async () => {
    const port = await listen();
    expect(await isPortFree(port)).toBe(false);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('describePortHolder()', () => {
  it('names the process that listens', async () => {
    const port = await listen();
    expect(await describePortHolder(port)).toMatch(new RegExp(`^pid ${process.pid}\\b`));
  });
});

describe('freePort()', () => {
  it('hands out a free port below the ephemeral range, where no outgoing connection takes its local port', async () => {
    const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    const ephemeralStart = Number(range.trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralStart);
      expect(await isPortFree(port)).toBe(true);
    }
  });
});
