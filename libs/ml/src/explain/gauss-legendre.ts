/** Nodes and weights of an m-point Gauss–Legendre rule on [0, 1]. */
export interface QuadratureRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

/**
 * The m-point Gauss–Legendre rule on [0, 1]: `Σ weights[i] · p(nodes[i])` is
 * `∫₀¹ p(t) dt` exactly (to rounding) for every polynomial p of degree
 * ≤ 2m − 1. Nodes are the roots of the Legendre polynomial Pₘ, found by
 * Newton's method from Tricomi's estimates.
 */
export function gaussLegendre(m: number): QuadratureRule {
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m);
  for (let i = 0; i < Math.ceil(m / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      // P_m(x) by the three-term recurrence, and P_m'(x) from P_{m−1}.
      let p = 1;
      let previous = 0;
      for (let k = 1; k <= m; k++) {
        const next = ((2 * k - 1) * x * p - (k - 1) * previous) / k;
        previous = p;
        p = next;
      }
      derivative = (m * (x * p - previous)) / (x * x - 1);
      const step = p / derivative;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    const weight = 2 / ((1 - x * x) * derivative * derivative);
    // Mapped from [−1, 1] to [0, 1]; the roots come in ± pairs.
    nodes[i] = (1 - x) / 2;
    nodes[m - 1 - i] = (1 + x) / 2;
    weights[i] = weight / 2;
    weights[m - 1 - i] = weight / 2;
  }
  return { nodes, weights };
}
