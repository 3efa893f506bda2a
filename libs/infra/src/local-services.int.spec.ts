// Runs built services: `npm test` builds every project first (tools/bootstrap.mjs).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPortFree } from './port-check.js';
import { ServerExitedError, onFreePorts, startLocalServices, type LocalServiceDefinition } from './index.js';

const definition = (name: string): Promise<LocalServiceDefinition> => onFreePorts({ name, grpcPort: 0, opsPort: 0 });

describe('startLocalServices()', () => {
  it('starts services until each is ready, reports their readiness and stops them gracefully', async () => {
    // Services that are ready on the local servers alone (inference waits for a registry to tell it what to serve).
    const services = [await definition('registry'), await definition('drift-monitor')];
    const logDir = mkdtempSync(join(tmpdir(), 'local-services-'));
    const ready: string[] = [];
    const running = await startLocalServices({ services, logDir, onReady: (s) => ready.push(s.name) });
    try {
      expect(ready).toEqual(['registry', 'drift-monitor']);
      const readiness = await running.readiness();
      expect(readiness.map((r) => [r.name, r.ready, r.checks['lifecycle']])).toEqual([
        ['registry', true, 'up'],
        ['drift-monitor', true, 'up'],
      ]);
    } finally {
      const stops = await running.stop();
      expect(stops.map((s) => s.outcome)).toEqual(['stopped', 'stopped']);
    }
    for (const service of services) expect(await isPortFree(service.opsPort)).toBe(true);
  }, 90_000);

  it('stops what it started and says why when a service cannot start', async () => {
    const good = await definition('registry');
    const logDir = mkdtempSync(join(tmpdir(), 'local-services-'));
    const attempt = startLocalServices({ services: [good, await definition('no-such-service')], logDir });
    await expect(attempt).rejects.toBeInstanceOf(ServerExitedError);
    await expect(attempt).rejects.toThrow(/no-such-service exited during start/);
    expect(await isPortFree(good.opsPort)).toBe(true);
  }, 90_000);

  it("gives each service the environment envFor makes for it, not another's", async () => {
    const services = [await definition('registry'), await definition('drift-monitor')];
    const logDir = mkdtempSync(join(tmpdir(), 'local-services-'));
    const ready: string[] = [];
    // Only the drift monitor's environment is broken: the registry starts on its own and is ready first.
    const attempt = startLocalServices({
      services,
      logDir,
      envFor: (service) => (service.name === 'drift-monitor' ? { ...process.env, DRIFT_WINDOW_SIZE_MS: 'soon' } : process.env),
      onReady: (s) => ready.push(s.name),
    });
    await expect(attempt).rejects.toThrow(/drift-monitor exited during start[\s\S]*DRIFT_WINDOW_SIZE_MS/);
    expect(ready).toEqual(['registry']);
    for (const service of services) expect(await isPortFree(service.opsPort)).toBe(true);
  }, 90_000);
});
