/** Value and gradient of a smooth function at a point; writes the gradient into `gradient`. */
export type Objective = (point: Float64Array, gradient: Float64Array) => number;

/** Options of {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Most iterations. */
  readonly maxIterations: number;
  /** Stop when the largest absolute gradient component is below this. */
  readonly gradientTolerance: number;
  /** Correction pairs kept. Default 10. */
  readonly memory?: number;
}

/** Where {@link minimizeLbfgs} stopped. */
export interface LbfgsResult {
  readonly point: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Limited-memory BFGS with a backtracking (Armijo) line search: the standard
 * quasi-Newton method for smooth convex losses such as L2 logistic
 * regression (Nocedal & Wright, algorithm 7.4/7.5). Deterministic.
 */
export function minimizeLbfgs(objective: Objective, start: Float64Array, options: LbfgsOptions): LbfgsResult {
  const memory = options.memory ?? 10;
  const d = start.length;
  let x = Float64Array.from(start);
  let g = new Float64Array(d);
  let value = objective(x, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(d);
  const alpha = new Float64Array(memory);
  let nextX = new Float64Array(d);
  let nextG = new Float64Array(d);

  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    if (maxAbs(g) < options.gradientTolerance) return { point: x, value, iterations: iteration, converged: true };
    // Two-loop recursion: direction = −H·g.
    for (let i = 0; i < d; i++) direction[i] = -(g[i] as number);
    for (let k = s.length - 1; k >= 0; k--) {
      const a = (rho[k] as number) * dot(s[k] as Float64Array, direction);
      alpha[k] = a;
      axpy(-a, y[k] as Float64Array, direction);
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last] as Float64Array, y[last] as Float64Array) / dot(y[last] as Float64Array, y[last] as Float64Array);
      for (let i = 0; i < d; i++) direction[i]! *= gamma;
    } else {
      // First step: a unit step along the gradient would be scaled arbitrarily; normalise it.
      const norm = Math.sqrt(dot(direction, direction));
      for (let i = 0; i < d; i++) direction[i]! /= Math.max(norm, 1);
    }
    for (let k = 0; k < s.length; k++) {
      const b = (rho[k] as number) * dot(y[k] as Float64Array, direction);
      axpy((alpha[k] as number) - b, s[k] as Float64Array, direction);
    }

    const slope = dot(g, direction);
    if (slope >= 0) return { point: x, value, iterations: iteration, converged: false };
    let step = 1;
    let nextValue = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < d; i++) nextX[i] = (x[i] as number) + step * (direction[i] as number);
      nextValue = objective(nextX, nextG);
      if (nextValue <= value + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextValue < value)) return { point: x, value, iterations: iteration, converged: maxAbs(g) < options.gradientTolerance };

    const sNew = new Float64Array(d);
    const yNew = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      sNew[i] = (nextX[i] as number) - (x[i] as number);
      yNew[i] = (nextG[i] as number) - (g[i] as number);
    }
    const sy = dot(sNew, yNew);
    if (sy > 1e-12) {
      if (s.length === memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
    }
    [x, nextX] = [nextX, x];
    [g, nextG] = [nextG, g];
    value = nextValue;
  }
  return { point: x, value, iterations: options.maxIterations, converged: maxAbs(g) < options.gradientTolerance };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += a * (x[i] as number);
}

function maxAbs(v: Float64Array): number {
  let max = 0;
  for (const value of v) max = Math.max(max, Math.abs(value));
  return max;
}
