// Runs the built command as a user would: `npm test` builds every project first (tools/bootstrap.mjs).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

describe('tributary demo', () => {
  it('brings up the local servers, the topics and all six services, replays flights into features, trains and promotes a model, and stops them on Ctrl-C', async () => {
    // A day and a bit of flights: the least the trainer's time split (train → validation → holdout) has enough labels in.
    const demo = spawn(process.execPath, [cli, 'demo', '--flights', '20000', '--keep-running'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    const exited = once(demo, 'exit');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo did not finish its run in time:\n${stdout}`)), 280_000);
      demo.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Services keep running; Ctrl-C stops them')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`the demo exited before Ctrl-C:\n${stdout}`)));
    });
    demo.kill('SIGINT');
    const [code] = (await exited) as [number | null];

    for (const service of ['ingestion', 'registry', 'feature-pipeline', 'trainer', 'inference', 'drift-monitor']) {
      expect(stdout).toMatch(new RegExp(`^${service}\\s+ready in`, 'm'));
      expect(stdout).toContain(`${service} (stopped)`);
    }
    expect(code).toBe(0);
    expect(stdout).toContain('7 topics exist; 6 of 6 services are ready.');
    expect(stdout).toContain('published 40,000 events');
    expect(stdout).toContain('Ingestion accounted for 40,000 of 40,000 replayed events.');
    // The stores hold the features (an earlier run may have aggregated them: events are ingested once).
    expect(stdout).toMatch(/^airport +[\d,]+ snapshots of [\d,]+ airports in ClickHouse/m);
    expect(stdout).toMatch(/^ +online \(Redis\) for [A-Z]{3}: .*departures_1h/m);
    expect(stdout).toMatch(/^route +[\d,]+ snapshots of [\d,]+ routes/m);
    expect(stdout).toMatch(/^primary v\d+ \(gbdt\) registered: holdout AUC 0\.\d{4}$/m);
    expect(stdout).toMatch(/^fallback v\d+ \(logistic_regression\) registered/m);
    // The first run approves and promotes; a later one reports where champion and challenger stand.
    expect(stdout).toMatch(/^champion (→|stays|is) v\d+/m);
    expect(stdout).toContain('The trainer trained, verified and registered flight-delay;');
  }, 320_000);
});
