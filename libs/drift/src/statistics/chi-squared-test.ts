import { InvalidDistributionError } from '../errors.js';
import { assertSameBins, countTotal } from './distribution.js';
import { regularizedUpperGamma } from './incomplete-gamma.js';

/** Statistic, degrees of freedom and p-value of a chi² test. */
export interface ChiSquaredTestResult {
  /** Pearson's statistic Σ (observed − expected)² / expected. */
  readonly statistic: number;
  /** Categories seen on either side, minus one. */
  readonly degreesOfFreedom: number;
  /** Probability of a statistic at least this large if both samples came from one distribution. */
  readonly pValue: number;
}

/**
 * Pearson's chi² test of homogeneity: were two samples of category counts
 * (the same categories, in the same order) drawn from one distribution? On the
 * 2 × k table of counts O, with row totals R, column totals C and grand total N,
 *
 *     χ² = Σ (O − E)² / E,  E = R · C / N,  dof = k − 1,  p = Q(dof / 2, χ² / 2)
 *
 * with Q the regularised upper incomplete gamma function (the chi² survival
 * function). Categories empty on both sides are left out, since they carry no
 * evidence and would make E zero. Without Yates' correction: the same as
 * `scipy.stats.chi2_contingency([reference, current], correction=False)`.
 */
export function chiSquaredHomogeneityTest(
  referenceCounts: ArrayLike<number>,
  currentCounts: ArrayLike<number>,
): ChiSquaredTestResult {
  assertSameBins(referenceCounts, currentCounts);
  const referenceTotal = countTotal(referenceCounts, 'reference');
  const currentTotal = countTotal(currentCounts, 'current');
  const grandTotal = referenceTotal + currentTotal;
  let statistic = 0;
  let categories = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    const observedReference = referenceCounts[i] as number;
    const observedCurrent = currentCounts[i] as number;
    const categoryTotal = observedReference + observedCurrent;
    if (categoryTotal === 0) continue;
    categories++;
    const expectedReference = (referenceTotal * categoryTotal) / grandTotal;
    const expectedCurrent = (currentTotal * categoryTotal) / grandTotal;
    statistic += (observedReference - expectedReference) ** 2 / expectedReference;
    statistic += (observedCurrent - expectedCurrent) ** 2 / expectedCurrent;
  }
  const degreesOfFreedom = categories - 1;
  // One category: both samples are the same distribution; SciPy says χ² = 0, p = 1.
  if (degreesOfFreedom === 0) return { statistic: 0, degreesOfFreedom, pValue: 1 };
  return { statistic, degreesOfFreedom, pValue: chiSquaredSurvival(statistic, degreesOfFreedom) };
}

/** P(X > x) for X chi²-distributed with `degreesOfFreedom`; the same as `scipy.stats.chi2.sf(x, dof)`. */
export function chiSquaredSurvival(x: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) throw new InvalidDistributionError(`degrees of freedom must be positive, got ${degreesOfFreedom}`);
  return regularizedUpperGamma(degreesOfFreedom / 2, x / 2);
}
