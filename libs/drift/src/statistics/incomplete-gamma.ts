/**
 * The regularised upper incomplete gamma function, for chi² p-values, after
 * Numerical Recipes (3rd ed., §6.2): a power series where it converges fast
 * (x < a + 1), a continued fraction elsewhere.
 */

/** Lanczos coefficients for g = 7, n = 9: about 15 significant digits for Re(a) ≥ 1/2. */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(a) for a > 0. */
export function logGamma(a: number): number {
  // The approximation holds from 1/2 up; below, Γ(a) = Γ(a + 1) / a.
  if (a < 0.5) return logGamma(a + 1) - Math.log(a);
  const x = a - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (x + i);
  const t = x + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Relative size of the last term or factor at which a series or fraction has converged. */
const TOLERANCE = Number.EPSILON;
/** Stands in for 0 in the continued fraction's denominators (Lentz's method). */
const TINY = Number.MIN_VALUE / Number.EPSILON;
/**
 * Both expansions converge in O(√a) steps near x ≈ a and faster elsewhere;
 * this bound is far above what a ≤ 10⁶ needs and only guards the loop.
 */
const MAX_ITERATIONS = 100_000;

/** Q(a, x) = Γ(a, x) / Γ(a), for a > 0 and x ≥ 0. */
export function regularizedUpperGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  // e^(−x) xᵃ / Γ(a), the factor both expansions share, in logs to avoid overflow.
  const logPrefactor = -x + a * Math.log(x) - logGamma(a);
  return x < a + 1 ? 1 - Math.exp(logPrefactor) * lowerSeries(a, x) : Math.exp(logPrefactor) * upperContinuedFraction(a, x);
}

/** Σₙ xⁿ / (a (a+1) … (a+n)), so that P(a, x) = prefactor · series. */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * TOLERANCE) break;
  }
  return sum;
}

/** The continued fraction 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))), by the modified Lentz method. */
function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const factor = d * c;
    fraction *= factor;
    if (Math.abs(factor - 1) < TOLERANCE) break;
  }
  return fraction;
}
