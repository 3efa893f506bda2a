import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cachedInstall } from './cached-install.js';
import type { InfraEvent } from './infra-reports.js';

describe('cachedInstall()', () => {
  it('installs once even when asked several times at once', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cache-')), 'tool-1.0');
    const events: InfraEvent[] = [];
    let installs = 0;
    const install = async (target: string) => {
      installs++;
      await sleep(30);
      writeFileSync(join(target, 'tool'), 'v1');
    };
    await Promise.all([1, 2, 3].map(() => cachedInstall(dir, 'tool 1.0', (e) => events.push(e), install)));
    await cachedInstall(dir, 'tool 1.0', (e) => events.push(e), install);
    expect(installs).toBe(1);
    expect(readFileSync(join(dir, 'tool'), 'utf8')).toBe('v1');
    expect(events.map((e) => e.kind)).toEqual(['install-started', 'install-finished']);
  });

  it('wipes and redoes an install that never finished', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cache-')), 'tool-1.0');
    mkdirSync(dir);
    writeFileSync(join(dir, 'half-written'), '');
    await cachedInstall(dir, 'tool 1.0', () => undefined, async (target) => writeFileSync(join(target, 'tool'), 'v1'));
    expect(existsSync(join(dir, 'half-written'))).toBe(false);
    expect(existsSync(join(dir, 'tool'))).toBe(true);
  });

  it('leaves no marker when the install fails, so the next call tries again', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cache-')), 'tool-1.0');
    await expect(cachedInstall(dir, 'tool 1.0', () => undefined, () => Promise.reject(new Error('offline')))).rejects.toThrow('offline');
    let installs = 0;
    await cachedInstall(dir, 'tool 1.0', () => undefined, async () => {
      installs++;
    });
    expect(installs).toBe(1);
  });
});
