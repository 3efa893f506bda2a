import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForMonitor } from './demo-monitor-settle.js';

let server: Server | undefined;

/** A metrics endpoint whose watermark and report count the test changes as it goes. */
async function monitorMetrics(state: { watermarkSeconds: number; reports: number }): Promise<number> {
  server = createServer((_, response) => {
    response.end(
      ['# TYPE tributary_drift_watermark_seconds gauge', `tributary_drift_watermark_seconds ${state.watermarkSeconds}`, `tributary_drift_reports_total{model="flight-delay",alert="true"} ${state.reports}`, ''].join('\n'),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  server?.close();
  if (server) await once(server, 'close');
  server = undefined;
});

describe('waitForMonitor()', () => {
  it('waits until the monitor has read up to the event time and then written no report for the quiet time', async () => {
    const state = { watermarkSeconds: 100, reports: 1 };
    const opsPort = await monitorMetrics(state);
    const started = Date.now();
    setTimeout(() => (state.watermarkSeconds = 200), 300);
    setTimeout(() => (state.reports = 2), 600);
    expect(await waitForMonitor({ opsPort, eventTimeMs: 200_000, quietMs: 500, timeoutMs: 5_000 })).toBe(true);
    // The new report at 600 ms restarted the quiet time.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('gives up when the monitor never reads that far', async () => {
    const opsPort = await monitorMetrics({ watermarkSeconds: 100, reports: 0 });
    expect(await waitForMonitor({ opsPort, eventTimeMs: 200_000, quietMs: 100, timeoutMs: 700 })).toBe(false);
  });

  it('gives up when nothing answers', async () => {
    const opsPort = await monitorMetrics({ watermarkSeconds: 0, reports: 0 });
    server?.close();
    if (server) await once(server, 'close');
    server = undefined;
    expect(await waitForMonitor({ opsPort, eventTimeMs: 1, quietMs: 100, timeoutMs: 500 })).toBe(false);
  });
});
