// Runs the built command as a user would: `npm test` builds every project first (tools/bootstrap.mjs).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

describe('tributary demo', () => {
  it('brings up the local servers, the topics and all six services, reports each ready, and stops them', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'demo'], { timeout: 180_000 });
    for (const service of ['ingestion', 'registry', 'feature-pipeline', 'trainer', 'inference', 'drift-monitor']) {
      expect(stdout).toMatch(new RegExp(`^${service}\\s+ready in`, 'm'));
      expect(stdout).toContain(`${service} (stopped)`);
    }
    expect(stdout).toContain('7 topics exist; 6 of 6 services are ready.');
  }, 200_000);
});
