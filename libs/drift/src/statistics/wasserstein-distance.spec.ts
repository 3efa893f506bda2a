/**
 * Reference numbers come from SciPy 1.17.1 and NumPy 2.4.6 on Python 3.11,
 * each computed by the Python expression written next to it, with
 * `import numpy as np; from scipy import stats; from scipy.spatial.distance import jensenshannon`;
 * the samples a, b, A, B are those of testing/reference-data.ts.
 */
import { describe, expect, it } from 'vitest';
import { wassersteinDistance } from '../index.js';
import { expectRelativelyClose, largeSample1, largeSample2, smallSample1, smallSample2 } from '../testing/reference-data.js';

describe('wassersteinDistance()', () => {
  it('matches stats.wasserstein_distance with ties and unequal sizes', () => {
    // stats.wasserstein_distance(a, b)
    expectRelativelyClose(wassersteinDistance(smallSample1, smallSample2), 1.4530769230769232);
    // stats.wasserstein_distance(A, B)
    expectRelativelyClose(wassersteinDistance(largeSample1, largeSample2), 0.7525000000000004);
  });

  it('is the shift between a sample and the same sample moved', () => {
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBe(5);
    expect(wassersteinDistance([5, 6, 8], [0, 1, 3])).toBe(5);
    expect(wassersteinDistance(largeSample1, largeSample1)).toBe(0);
  });
});
