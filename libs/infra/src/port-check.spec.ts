import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describePortHolder, isPortFree } from './port-check.js';

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
