import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { portSettings } from '@tributary/infra';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerInfraCommand } from './infra.js';

let home: string;
let foreign: Server;
let output: string[];

/** Runs `tributary infra <args>` in-process and returns its exit code. */
async function tributary(...args: string[]): Promise<number | undefined> {
  const program = new Command('tributary').exitOverride();
  registerInfraCommand(program);
  process.exitCode = undefined;
  await program.parseAsync(['infra', ...args], { from: 'user' });
  const code = process.exitCode;
  process.exitCode = undefined;
  return code === undefined ? undefined : Number(code);
}

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'tributary-cli-'));
  vi.stubEnv('TRIBUTARY_HOME', home);
  // Every port is held by a listener of this test, so nothing can ever start or touch a real server.
  foreign = createServer();
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  const port = String((foreign.address() as { port: number }).port);
  for (const { envVar } of Object.values(portSettings)) vi.stubEnv(envVar, port);
  output = [];
  const capture = (line: unknown) => void output.push(String(line));
  vi.spyOn(console, 'log').mockImplementation(capture);
  vi.spyOn(console, 'error').mockImplementation(capture);
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => foreign.close(() => resolve()));
  rmSync(home, { recursive: true, force: true });
});

describe('tributary infra status', () => {
  it('exits 1 and lists each server when nothing runs', async () => {
    expect(await tributary('status')).toBe(1);
    expect(output.map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual(['kafka stopped', 'clickhouse stopped', 'redis stopped']);
  });
});

describe('tributary infra up', () => {
  it('exits 1 naming each taken port and the variable that moves it', async () => {
    expect(await tributary('up')).toBe(1);
    expect(output.join('\n')).toContain('set TRIBUTARY_REDIS_PORT to a free port');
    expect(output.join('\n')).toContain('set TRIBUTARY_KAFKA_CONTROLLER_PORT to a free port');
  });
});

describe('tributary infra down', () => {
  it('is a no-op when nothing runs', async () => {
    expect(await tributary('down')).toBe(0);
    expect(output).toEqual(['kafka      not running', 'clickhouse not running', 'redis      not running']);
  });
});
