/** Seeded random data for the comparison specs. */
import { createRandom } from '@tributary/seeded-random';

/** `count` draws from a normal distribution (Box–Muller on a seeded uniform generator). */
export function normalSample(count: number, mean: number, standardDeviation: number, seed: number): Float64Array {
  const random = createRandom(seed);
  return Float64Array.from({ length: count }, () => {
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    return mean + standardDeviation * radius * Math.cos(2 * Math.PI * random());
  });
}

/** `count` labels drawn with the given probabilities (which sum to 1). */
export function categoricalSample(count: number, probabilities: Readonly<Record<string, number>>, seed: number): string[] {
  const random = createRandom(seed);
  const entries = Object.entries(probabilities);
  return Array.from({ length: count }, () => {
    let u = random();
    for (const [label, probability] of entries) {
      u -= probability;
      if (u < 0) return label;
    }
    return (entries[entries.length - 1] as [string, number])[0];
  });
}
