import type { Random } from './create-random.js';

/**
 * Draws `count` distinct indices of [0, n), uniformly without replacement, in
 * ascending order: Floyd's algorithm (one draw per index chosen, whatever n),
 * then sorted. `count` is floored and clamped to [0, n]; when it covers every
 * index, all of them are returned and `random` is not drawn from.
 */
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
