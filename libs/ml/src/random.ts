/** A seeded source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * A small, fast seeded generator (mulberry32). Training must be reproducible
 * for a seed, which `Math.random` cannot give.
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

/** Draws `count` distinct indices of [0, n) in increasing order (Floyd's algorithm, then sorted). */
export function sampleIndices(n: number, count: number, random: Random): Uint32Array {
  const k = Math.min(n, Math.max(0, Math.floor(count)));
  if (k === n) return Uint32Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Uint32Array.from(chosen).sort();
}
