/**
 * Reference numbers come from SciPy 1.17.1 and NumPy 2.4.6 on Python 3.11,
 * each computed by the Python expression written next to it, with
 * `import numpy as np; from scipy import stats; from scipy.spatial.distance import jensenshannon`;
 * the samples a, b, A, B are those of testing/reference-data.ts.
 */
import { describe, expect, it } from 'vitest';
import { InvalidDistributionError, InvalidOptionsError, populationStabilityIndex } from '../index.js';
import { currentCounts, expectRelativelyClose, referenceCounts } from '../testing/reference-data.js';

describe('populationStabilityIndex()', () => {
  it('is zero for identical distributions', () => {
    expect(populationStabilityIndex(referenceCounts, referenceCounts)).toBe(0);
  });

  it('smooths an empty bin with epsilon and compares shares, not counts', () => {
    // r = np.array([10,20,0,30,40.]); c = np.array([30,30,10,70,60.])
    // e = np.maximum(r/r.sum(), 1e-4); a = np.maximum(c/c.sum(), 1e-4); np.sum((a-e)*np.log(a/e))
    expectRelativelyClose(populationStabilityIndex(referenceCounts, currentCounts), 0.38124204437580567);
  });

  it('adds nothing for a bin empty on both sides', () => {
    // same formula on r = [5,0,5], c = [4,0,6] and on r = [5,5], c = [4,6]: both 0.04054651081081642
    expectRelativelyClose(populationStabilityIndex([5, 0, 5], [4, 0, 6]), 0.04054651081081642);
    expect(populationStabilityIndex([5, 0, 5], [4, 0, 6])).toBe(populationStabilityIndex([5, 5], [4, 6]));
  });

  it('takes its epsilon from the options', () => {
    const coarse = populationStabilityIndex(referenceCounts, currentCounts, { epsilon: 1e-2 });
    expect(coarse).toBeLessThan(populationStabilityIndex(referenceCounts, currentCounts));
    expect(() => populationStabilityIndex(referenceCounts, currentCounts, { epsilon: 0 })).toThrow(InvalidOptionsError);
  });

  it('rejects distributions of different lengths or without counts', () => {
    expect(() => populationStabilityIndex([1, 2], [1, 2, 3])).toThrow(InvalidDistributionError);
    expect(() => populationStabilityIndex([0, 0], [1, 2])).toThrow(InvalidDistributionError);
    expect(() => populationStabilityIndex([1, -1], [1, 2])).toThrow(InvalidDistributionError);
  });
});
