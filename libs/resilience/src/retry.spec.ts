import { Code, TributaryError } from '@tributary/errors';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, retry } from './index.js';

const transient = () => new TributaryError(Code.Unavailable, 'down');

describe('backoffDelayMs()', () => {
  it('grows exponentially up to the cap, scaled by the random draw', () => {
    const top = () => 0.999999;
    expect(backoffDelayMs(0, { baseDelayMs: 100, random: top })).toBe(99);
    expect(backoffDelayMs(3, { baseDelayMs: 100, random: top })).toBe(799);
    expect(backoffDelayMs(20, { baseDelayMs: 100, maxDelayMs: 5000, random: top })).toBe(4999);
    expect(backoffDelayMs(5, { random: () => 0 })).toBe(0);
  });
});

describe('retry()', () => {
  it('retries retryable failures until success', async () => {
    let calls = 0;
    const result = await retry(async () => {
      calls++;
      if (calls < 3) throw transient();
      return 'ok';
    }, { baseDelayMs: 1 });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('does not retry errors that are not retryable', async () => {
    let calls = 0;
    const bad = new TributaryError(Code.InvalidArgument, 'bad');
    await expect(retry(async () => { calls++; throw bad; }, { baseDelayMs: 1 })).rejects.toBe(bad);
    expect(calls).toBe(1);
  });

  it('rethrows the last failure after the last retry and reports each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    await expect(
      retry(async () => { calls++; throw transient(); }, { retries: 2, baseDelayMs: 1, onRetry: (_r, attempt) => waits.push(attempt) }),
    ).rejects.toMatchObject({ code: Code.Unavailable });
    expect(calls).toBe(3);
    expect(waits).toEqual([0, 1]);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = retry(async () => { throw transient(); }, { retries: 5, baseDelayMs: 60_000, random: () => 0.99, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: Code.Unavailable });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
