import { describe, expect, it } from 'vitest';
import { createRandom, sampleIndices } from './index.js';

const isAscendingAndDistinct = (indices: Uint32Array) => indices.every((index, i) => i === 0 || index > (indices[i - 1] as number));

describe('sampleIndices()', () => {
  it('draws the same indices for the same seed', () => {
    expect(sampleIndices(10_000, 300, createRandom(3))).toEqual(sampleIndices(10_000, 300, createRandom(3)));
    expect(sampleIndices(10_000, 300, createRandom(3))).not.toEqual(sampleIndices(10_000, 300, createRandom(4)));
  });

  it('keeps the indices of a seed, so saved models and profiles stay reproducible', () => {
    expect(Array.from(sampleIndices(100, 5, createRandom(7)))).toEqual([1, 6, 52, 69, 95]);
  });

  it('returns `count` distinct indices of [0, n), ascending', () => {
    for (const [n, count] of [[1, 1], [10, 9], [1000, 1], [1000, 500], [100_000, 1000]] as const) {
      const indices = sampleIndices(n, count, createRandom(n + count));
      expect(indices, `${count} of ${n}`).toHaveLength(count);
      expect(isAscendingAndDistinct(indices), `${count} of ${n}`).toBe(true);
      expect(indices.every((index) => index < n), `${count} of ${n}`).toBe(true);
    }
  });

  it('returns every index, without drawing, when count covers them all', () => {
    const random = createRandom(1);
    const untouched = createRandom(1);
    expect(Array.from(sampleIndices(5, 5, random))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(sampleIndices(5, 50, random))).toEqual([0, 1, 2, 3, 4]);
    expect(random()).toBe(untouched());
  });

  it('returns nothing for a count of zero or less, or an empty range, and floors a fractional count', () => {
    expect(sampleIndices(10, 0, createRandom(1))).toHaveLength(0);
    expect(sampleIndices(10, -3, createRandom(1))).toHaveLength(0);
    expect(sampleIndices(0, 5, createRandom(1))).toHaveLength(0);
    expect(sampleIndices(10, 2.9, createRandom(1))).toHaveLength(2);
  });

  it('gives every index the same chance', () => {
    const n = 10;
    const hits = new Array<number>(n).fill(0);
    const random = createRandom(11);
    for (let trial = 0; trial < 20_000; trial++) for (const index of sampleIndices(n, 3, random)) hits[index]! += 1;
    // Each index is in a sample with probability 3/10: 6000 of 20 000 trials (sd ≈ 65).
    for (const count of hits) expect(Math.abs(count - 6000)).toBeLessThan(350);
  });
});
