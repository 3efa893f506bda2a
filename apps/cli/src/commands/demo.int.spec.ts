// Runs the built command as a user would: `npm test` builds every project first (tools/bootstrap.mjs).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

describe('tributary demo', () => {
  it('brings up the local servers, the topics and all six services, replays flights through ingestion, and stops them', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'demo', '--flights', '300'], { timeout: 180_000 });
    for (const service of ['ingestion', 'registry', 'feature-pipeline', 'trainer', 'inference', 'drift-monitor']) {
      expect(stdout).toMatch(new RegExp(`^${service}\\s+ready in`, 'm'));
      expect(stdout).toContain(`${service} (stopped)`);
    }
    expect(stdout).toContain('7 topics exist; 6 of 6 services are ready.');
    expect(stdout).toContain('published 600 events');
    expect(stdout).toContain('Ingestion accounted for 600 of 600 replayed events.');
  }, 200_000);
});
