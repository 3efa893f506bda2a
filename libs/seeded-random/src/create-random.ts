/** A seeded source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * A small, fast seeded generator (mulberry32, 32 bits of state): the same seed
 * gives the same sequence on every run and machine, which `Math.random`
 * cannot. For reproducible training, profiles and benchmark data; not for
 * anything that must be unpredictable.
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
