import { sortedSample } from './distribution.js';

/**
 * First Wasserstein (earth mover's) distance between two samples, in the
 * values' own units: the area between their empirical CDFs,
 *
 *     W₁ = ∫ |F₁(x) − F₂(x)| dx
 *
 * — how far, on average, mass must move to turn one sample into the other.
 * The same as `scipy.stats.wasserstein_distance(u, v)` without weights.
 * Non-finite values (NaN for missing) are left out.
 */
export function wassersteinDistance(sample1: ArrayLike<number>, sample2: ArrayLike<number>): number {
  return wassersteinDistanceOfSorted(sortedSample(sample1, 'first'), sortedSample(sample2, 'second'));
}

/** {@link wassersteinDistance} of two non-empty samples already sorted ascending. */
export function wassersteinDistanceOfSorted(sorted1: Float64Array, sorted2: Float64Array): number {
  const n1 = sorted1.length;
  const n2 = sorted2.length;
  let i = 0;
  let j = 0;
  let previous = Math.min(sorted1[0] as number, sorted2[0] as number);
  let area = 0;
  // Walk the merged values in order; between the previous value and the next,
  // both CDFs are flat at i/n1 and j/n2 (ties add strips of zero width).
  while (i < n1 || j < n2) {
    const takeFirst = j === n2 || (i < n1 && (sorted1[i] as number) <= (sorted2[j] as number));
    const next = takeFirst ? (sorted1[i] as number) : (sorted2[j] as number);
    area += Math.abs(i / n1 - j / n2) * (next - previous);
    previous = next;
    if (takeFirst) i++;
    else j++;
  }
  return area;
}
