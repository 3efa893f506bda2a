/**
 * Sorting and binning of numeric values. The profile and the comparison bin
 * through the same functions, so a value on an edge falls in the same bin on
 * both sides.
 */

/** The finite values of a column (missing ones left out), sorted ascending, as a new array. */
export function sortedFiniteValues(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).filter(Number.isFinite).sort();
}

/**
 * The q-quantile of sorted values, 0 ≤ q ≤ 1, interpolating linearly between
 * order statistics — NumPy's default (`np.quantile(x, q)`, method 'linear').
 */
export function quantileOfSorted(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const lower = sorted[below] as number;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  const fraction = position - below;
  // From whichever end is nearer, as NumPy does: exact at both ends and the same floats as NumPy.
  return fraction >= 0.5 ? upper - (upper - lower) * (1 - fraction) : lower + (upper - lower) * fraction;
}

/**
 * Inner bin edges at the i/binCount quantiles (i = 1 … binCount − 1), so that
 * each bin holds about the same share of the values; equal edges, from tied
 * values, are merged, so there may be fewer bins. Empty for no values.
 */
export function quantileBinEdges(sorted: Float64Array, binCount: number): number[] {
  const edges: number[] = [];
  if (sorted.length === 0) return edges;
  for (let i = 1; i < binCount; i++) {
    const edge = quantileOfSorted(sorted, i / binCount);
    if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge);
  }
  return edges;
}

/**
 * Counts of sorted values per bin: bin i is [edges[i−1], edges[i]), the first
 * open towards −∞ and the last towards +∞, so there is one more count than edges.
 */
export function binCountsOfSorted(sorted: Float64Array, edges: readonly number[]): number[] {
  const counts: number[] = [];
  let below = 0;
  for (const edge of edges) {
    const belowEdge = countBelow(sorted, edge);
    counts.push(belowEdge - below);
    below = belowEdge;
  }
  counts.push(sorted.length - below);
  return counts;
}

/** How many sorted values are < x (binary search). */
function countBelow(sorted: Float64Array, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < x) low = middle + 1;
    else high = middle;
  }
  return low;
}
