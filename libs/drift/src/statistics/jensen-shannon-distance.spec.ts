/**
 * Reference numbers come from SciPy 1.17.1 and NumPy 2.4.6 on Python 3.11,
 * each computed by the Python expression written next to it, with
 * `import numpy as np; from scipy import stats; from scipy.spatial.distance import jensenshannon`;
 * the samples a, b, A, B are those of testing/reference-data.ts.
 */
import { describe, expect, it } from 'vitest';
import { jensenShannonDistance } from '../index.js';
import { currentCounts, expectRelativelyClose, referenceCounts } from '../testing/reference-data.js';

describe('jensenShannonDistance()', () => {
  it('matches scipy.spatial.distance.jensenshannon with base 2', () => {
    // jensenshannon([10,20,0,30,40], [30,30,10,70,60], base=2)
    expectRelativelyClose(jensenShannonDistance(referenceCounts, currentCounts), 0.1943578718436269);
  });

  it('is zero for identical distributions and one for disjoint ones', () => {
    expect(jensenShannonDistance([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(jensenShannonDistance([1, 0], [0, 5])).toBeCloseTo(1, 15);
  });
});
