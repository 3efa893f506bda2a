import { describe, expect, it } from 'vitest';
import { sortedFiniteValues } from './sorted-values.js';

describe('sortedFiniteValues()', () => {
  it('sorts like Float64Array#sort, leaving out missing and infinite values', () => {
    const inputs = [
      Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453),
      Float64Array.from({ length: 5000 }, (_, i) => (i * 7919) % 7),
      Float64Array.from({ length: 5000 }, (_, i) => 5000 - i),
      Float64Array.from({ length: 5000 }, (_, i) => i),
      Float64Array.from([3, Number.NaN, -1, Number.POSITIVE_INFINITY, 2, Number.NEGATIVE_INFINITY, -0.5]),
      new Float64Array(0),
    ];
    for (const input of inputs) {
      const expected = input.filter(Number.isFinite).sort();
      expect(sortedFiniteValues(input)).toEqual(expected);
    }
  });
});
