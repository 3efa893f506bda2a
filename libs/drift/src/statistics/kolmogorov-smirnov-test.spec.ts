/**
 * Reference numbers come from SciPy 1.17.1 and NumPy 2.4.6 on Python 3.11,
 * each computed by the Python expression written next to it, with
 * `import numpy as np; from scipy import stats; from scipy.spatial.distance import jensenshannon`;
 * the samples a, b, A, B are those of testing/reference-data.ts.
 */
import { describe, expect, it } from 'vitest';
import { InvalidDistributionError, kolmogorovSmirnovTest, kolmogorovSurvival } from '../index.js';
import { expectRelativelyClose, largeSample1, largeSample2, smallSample1, smallSample2 } from '../testing/reference-data.js';

describe('kolmogorovSmirnovTest()', () => {
  it('finds the statistic of stats.ks_2samp with ties and unequal sizes', () => {
    // stats.ks_2samp(a, b, method='asymp').statistic
    expect(kolmogorovSmirnovTest(smallSample1, smallSample2).statistic).toBe(0.5153846153846153);
    // stats.ks_2samp(A, B, method='asymp').statistic
    expect(kolmogorovSmirnovTest(largeSample1, largeSample2).statistic).toBeCloseTo(0.1233333333333333, 15);
  });

  it('takes its p-value from the Kolmogorov distribution with Stephens’ correction', () => {
    // n1, n2 = 10, 13; s = np.sqrt(n1*n2/(n1+n2)); stats.kstwobign.sf((s + 0.12 + 0.11/s) * 0.5153846153846153)
    expectRelativelyClose(kolmogorovSmirnovTest(smallSample1, smallSample2).pValue, 0.06429718469938989, 1e-10);
    // n1, n2 = 400, 600; same expression with D = 0.1233333333333333
    expectRelativelyClose(kolmogorovSmirnovTest(largeSample1, largeSample2).pValue, 0.0011963473153294877, 1e-10);
  });

  it('is within 2.5 % of the p-value of stats.ks_2samp(method="asymp") at 400 and 600 values', () => {
    // stats.ks_2samp(A, B, method='asymp').pvalue — SciPy ≥ 1.5 evaluates the exact distribution of D at round(n1n2/(n1+n2))
    expectRelativelyClose(kolmogorovSmirnovTest(largeSample1, largeSample2).pValue, 0.0012200936435118994, 0.025);
  });

  it('gives statistic 0 and p-value 1 for identical samples', () => {
    expect(kolmogorovSmirnovTest(largeSample1, largeSample1)).toEqual({ statistic: 0, pValue: 1 });
  });

  it('leaves out missing values and rejects a sample without any', () => {
    expect(kolmogorovSmirnovTest([...smallSample1, Number.NaN], smallSample2)).toEqual(kolmogorovSmirnovTest(smallSample1, smallSample2));
    expect(() => kolmogorovSmirnovTest([Number.NaN], smallSample2)).toThrow(InvalidDistributionError);
  });
});

describe('kolmogorovSurvival()', () => {
  it('matches stats.kstwobign.sf on both sides of its series switch at 1', () => {
    const references: [number, number][] = [
      [0.2, 0.999999999999495], // stats.kstwobign.sf(0.2)
      [0.5, 0.9639452436648751], // stats.kstwobign.sf(0.5)
      [0.9, 0.3927307079406543], // stats.kstwobign.sf(0.9)
      [1.0, 0.26999967167735456], // stats.kstwobign.sf(1.0)
      [1.36, 0.049485876755377876], // stats.kstwobign.sf(1.36)
      [2.0, 0.0006709252557796953], // stats.kstwobign.sf(2.0)
      [3.0, 3.045995948942526e-8], // stats.kstwobign.sf(3.0)
    ];
    for (const [lambda, expected] of references) expectRelativelyClose(kolmogorovSurvival(lambda), expected, 1e-12);
  });
});
