import { describe, expect, it } from 'vitest';
import { createRandom } from './index.js';

const draws = (seed: number, count: number) => {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => random());
};

describe('createRandom()', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draws(2001, 1000)).toEqual(draws(2001, 1000));
  });

  it('keeps the mulberry32 sequence, so saved models and profiles stay reproducible', () => {
    expect(draws(42, 3)).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('gives different sequences for different seeds', () => {
    expect(draws(1, 10)).not.toEqual(draws(2, 10));
  });

  it('reads the seed as an unsigned 32-bit integer', () => {
    expect(draws(-1, 5)).toEqual(draws(0xffffffff, 5));
    expect(draws(2 ** 32 + 7, 5)).toEqual(draws(7, 5));
  });

  it('draws uniformly in [0, 1)', () => {
    const values = draws(9, 100_000);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const tenths = new Array<number>(10).fill(0);
    for (const value of values) tenths[Math.floor(value * 10)]! += 1;
    for (const count of tenths) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});
