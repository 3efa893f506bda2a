import { InvalidDistributionError } from '../errors.js';
import { sortedFiniteValues } from '../sorted-values.js';

/** Checks that two binned distributions have the same, non-zero number of bins. */
export function assertSameBins(reference: ArrayLike<number>, current: ArrayLike<number>): void {
  if (reference.length !== current.length) {
    throw new InvalidDistributionError(`distributions have ${reference.length} and ${current.length} bins`);
  }
  if (reference.length === 0) throw new InvalidDistributionError('distributions have no bins');
}

/** The sum of a distribution's counts, which must be finite, non-negative and not all zero. */
export function countTotal(counts: ArrayLike<number>, which: string): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    if (!(count >= 0) || !Number.isFinite(count)) {
      throw new InvalidDistributionError(`${which} bin ${i} has ${count}; counts are finite and non-negative`);
    }
    total += count;
  }
  if (total === 0) throw new InvalidDistributionError(`${which} distribution is empty`);
  return total;
}

/**
 * Two binned distributions given as counts (or any non-negative weights),
 * turned into proportions that sum to 1, bin by bin.
 */
export function binnedProportions(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): { readonly reference: Float64Array; readonly current: Float64Array } {
  assertSameBins(reference, current);
  const referenceTotal = countTotal(reference, 'reference');
  const currentTotal = countTotal(current, 'current');
  return {
    reference: Float64Array.from(reference, (count) => count / referenceTotal),
    current: Float64Array.from(current, (count) => count / currentTotal),
  };
}

/** A sample's finite values, sorted ascending, as a new array; throws when there are none. */
export function sortedSample(values: ArrayLike<number>, which: string): Float64Array {
  const sorted = sortedFiniteValues(values);
  if (sorted.length === 0) throw new InvalidDistributionError(`${which} sample has no finite values`);
  return sorted;
}
