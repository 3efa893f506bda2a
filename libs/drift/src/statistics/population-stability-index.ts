import { InvalidOptionsError } from '../errors.js';
import { binnedProportions } from './distribution.js';

/** Options of {@link populationStabilityIndex}. */
export interface PopulationStabilityIndexOptions {
  /**
   * The share an empty bin is taken to have. An empty bin on either side would
   * make `ln(a / e)` infinite, so one stray value in a bin the reference never
   * filled would read as infinite drift; flooring at ε caps a bin's term at
   * about `a · ln(a / ε)` instead. Default: 1e-4 (one in ten thousand, below
   * what a window of a few thousand rows can resolve).
   */
  readonly epsilon?: number;
}

/**
 * Population stability index of a current binned distribution against a
 * reference one, both given as counts per bin (the same bins, in the same order):
 *
 *     PSI = Σᵢ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)
 *
 * where eᵢ and aᵢ are the reference and current shares of bin i, each floored
 * at ε. It is 0 for identical distributions and grows with the shift; the
 * customary reading is < 0.1 stable, 0.1–0.2 moderate, ≥ 0.2 significant.
 */
export function populationStabilityIndex(
  referenceCounts: ArrayLike<number>,
  currentCounts: ArrayLike<number>,
  options: PopulationStabilityIndexOptions = {},
): number {
  const { epsilon = 1e-4 } = options;
  if (!(epsilon > 0 && epsilon < 1)) throw new InvalidOptionsError('epsilon', `must lie in (0, 1), got ${epsilon}`);
  const { reference, current } = binnedProportions(referenceCounts, currentCounts);
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const e = Math.max(reference[i] as number, epsilon);
    const a = Math.max(current[i] as number, epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}
