import { binnedProportions } from './distribution.js';

/**
 * Jensen–Shannon distance, base 2, between two binned distributions given as
 * counts per bin (the same bins, in the same order):
 *
 *     JSD = √( ½ KL(p ‖ m) + ½ KL(q ‖ m) ),  m = ½ (p + q),  KL in bits
 *
 * It lies in [0, 1]: 0 for identical distributions, 1 for disjoint ones. Unlike
 * PSI it needs no smoothing, since m is never 0 where p or q is not. The same
 * as `scipy.spatial.distance.jensenshannon(p, q, base=2)`.
 */
export function jensenShannonDistance(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  const { reference: p, current: q } = binnedProportions(referenceCounts, currentCounts);
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] as number;
    const qi = q[i] as number;
    const mi = (pi + qi) / 2;
    if (pi > 0) divergence += pi * Math.log(pi / mi);
    if (qi > 0) divergence += qi * Math.log(qi / mi);
  }
  // Rounding can leave a tiny negative divergence for (almost) equal inputs.
  return Math.sqrt(Math.max(0, divergence / 2 / Math.LN2));
}
