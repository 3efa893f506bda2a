import { describe, expect, it } from 'vitest';
import { estimatedBlockTimeMs } from './index.js';

describe('estimatedBlockTimeMs()', () => {
  it('is 40 minutes plus one minute per 7 miles', () => {
    expect(estimatedBlockTimeMs(0)).toBe(40 * 60_000);
    expect(estimatedBlockTimeMs(700)).toBe(140 * 60_000);
  });

  it('rounds fractional minutes to whole milliseconds', () => {
    // 40 + 215 / 7 = 70.714285… minutes
    expect(estimatedBlockTimeMs(215)).toBe(4_242_857);
  });
});
