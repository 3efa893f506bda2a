import { describe, expect, it } from 'vitest';
import { ARRIVAL_DELAY_MINUTES_RANGE, isInRange } from './index.js';

describe('isInRange()', () => {
  it('includes both bounds and nothing beyond them', () => {
    expect(isInRange(-90, ARRIVAL_DELAY_MINUTES_RANGE)).toBe(true);
    expect(isInRange(1440, ARRIVAL_DELAY_MINUTES_RANGE)).toBe(true);
    expect(isInRange(-91, ARRIVAL_DELAY_MINUTES_RANGE)).toBe(false);
    expect(isInRange(1441, ARRIVAL_DELAY_MINUTES_RANGE)).toBe(false);
    expect(isInRange(Number.NaN, ARRIVAL_DELAY_MINUTES_RANGE)).toBe(false);
  });
});
