import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LockTimeoutError } from './errors.js';
import { withFileLock } from './file-lock.js';

describe('withFileLock()', () => {
  it('lets one holder in at a time', async () => {
    const lockPath = join(mkdtempSync(join(tmpdir(), 'lock-')), 'infra.lock');
    let inside = 0;
    let most = 0;
    const hold = () =>
      withFileLock(lockPath, async () => {
        most = Math.max(most, ++inside);
        await sleep(30);
        inside--;
      });
    await Promise.all([hold(), hold(), hold()]);
    expect(most).toBe(1);
  });

  it('gives up with LockTimeoutError when the holder keeps it too long', async () => {
    const lockPath = join(mkdtempSync(join(tmpdir(), 'lock-')), 'infra.lock');
    const holder = withFileLock(lockPath, () => sleep(1_000));
    await sleep(50);
    await expect(withFileLock(lockPath, async () => 'never', { waitMs: 200 })).rejects.toBeInstanceOf(LockTimeoutError);
    await holder;
    await expect(withFileLock(lockPath, async () => 'free again')).resolves.toBe('free again');
  });
});
