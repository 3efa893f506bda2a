/** A seeded source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * A small, fast seeded generator (mulberry32): a profile must be the same for
 * the same data and seed, which `Math.random` cannot give.
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed of its own for each feature (the seed mixed with an FNV-1a hash of the
 * name), so that one feature's sample does not change when another is added.
 */
export function featureSeed(seed: number, featureName: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < featureName.length; i++) hash = Math.imul(hash ^ featureName.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** `count` distinct positions of [0, n), ascending (Floyd's algorithm: one draw per position chosen). */
export function samplePositions(n: number, count: number, random: Random): number[] {
  const k = Math.min(n, count);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}
