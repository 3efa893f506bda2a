/**
 * Reference numbers come from SciPy 1.17.1 and NumPy 2.4.6 on Python 3.11,
 * each computed by the Python expression written next to it, with
 * `import numpy as np; from scipy import stats; from scipy.spatial.distance import jensenshannon`;
 * the samples a, b, A, B are those of testing/reference-data.ts.
 */
import { describe, expect, it } from 'vitest';
import { chiSquaredHomogeneityTest, chiSquaredSurvival, InvalidDistributionError } from '../index.js';
import { expectRelativelyClose } from '../testing/reference-data.js';

describe('chiSquaredHomogeneityTest()', () => {
  it('matches stats.chi2_contingency without correction, leaving out a category empty on both sides', () => {
    // stats.chi2_contingency([[120,90,40,25,5],[60,70,35,40,12]], correction=False) — the empty category removed,
    // since SciPy refuses a zero expected frequency
    const result = chiSquaredHomogeneityTest([120, 90, 40, 0, 25, 5], [60, 70, 35, 0, 40, 12]);
    expect(result.degreesOfFreedom).toBe(4);
    expectRelativelyClose(result.statistic, 21.537376994842596);
    expectRelativelyClose(result.pValue, 0.0002477114468615955, 1e-10);
  });

  it('gives statistic 0 and p-value 1 when only one category was seen', () => {
    expect(chiSquaredHomogeneityTest([7, 0], [3, 0])).toEqual({ statistic: 0, degreesOfFreedom: 0, pValue: 1 });
  });

  it('rejects a side without counts', () => {
    expect(() => chiSquaredHomogeneityTest([0, 0], [1, 2])).toThrow(InvalidDistributionError);
  });
});

describe('chiSquaredSurvival()', () => {
  it('matches stats.chi2.sf from tiny to huge statistics and 1 to 200 degrees of freedom', () => {
    const references: [number, number, number][] = [
      [0.001, 1, 0.9747728793699604], // stats.chi2.sf(0.001, 1)
      [3.841458820694124, 1, 0.04999999999999989], // stats.chi2.sf(3.841458820694124, 1)
      [7, 3, 0.07189777249646509], // stats.chi2.sf(7, 3)
      [40, 2, 2.0611536224385566e-9], // stats.chi2.sf(40, 2)
      [150.3, 149, 0.45474078924670064], // stats.chi2.sf(150.3, 149)
      [250, 200, 0.009379131668826098], // stats.chi2.sf(250, 200)
      [1000, 10, 1.870290720915977e-208], // stats.chi2.sf(1000, 10)
      [0.5, 30, 1.0], // stats.chi2.sf(0.5, 30)
    ];
    for (const [x, dof, expected] of references) expectRelativelyClose(chiSquaredSurvival(x, dof), expected, 1e-11);
  });

  it('is 1 at zero', () => {
    expect(chiSquaredSurvival(0, 4)).toBe(1);
  });
});
