import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileText, mutatedBytes } from './index.js';

describe('mutatedBytes()', () => {
  it('gives garbage and variants of the valid bytes, the valid bytes themselves only by chance', () => {
    const valid = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
    const samples = fc.sample(mutatedBytes(fc.constant(valid)), { numRuns: 500, seed: 3 });
    const same = samples.filter((s) => Buffer.from(s).equals(Buffer.from(valid))).length;
    expect(same).toBeLessThan(50);
    // Truncations are prefixes; some samples keep most of the valid bytes.
    expect(samples.some((s) => s.length > 0 && s.length < valid.length && Buffer.from(valid).subarray(0, s.length).equals(Buffer.from(s)))).toBe(true);
    expect(samples.some((s) => s.length === 2 * valid.length)).toBe(true);
  });
});

describe('hostileText()', () => {
  it('includes empty, lone surrogates and very long strings', () => {
    const samples = new Set(fc.sample(hostileText(), { numRuns: 2000, seed: 5 }));
    expect(samples.has('')).toBe(true);
    expect([...samples].some((s) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(s))).toBe(true);
    expect([...samples].some((s) => s.length >= 10_000)).toBe(true);
  });
});
