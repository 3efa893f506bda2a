/** What a GBDT minimises: log loss for binary classification, squared error for regression. */
export type GbdtObjective = 'binary' | 'regression';

/** The pieces of an objective the booster needs. */
export interface ObjectiveFunctions {
  /** Constant raw score that minimises the loss before any tree: log-odds of the base rate, or the mean. */
  baseScore(labels: ArrayLike<number>): number;
  /** Fills first and second derivatives of the loss at the current raw scores. */
  gradients(labels: ArrayLike<number>, raw: Float64Array, grad: Float64Array, hess: Float64Array): void;
  /** Mean loss at raw scores, used for early stopping. */
  loss(labels: ArrayLike<number>, raw: Float64Array): number;
}

/** The logistic function; the output transform of the binary objective. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Keeps a hessian strictly positive where p(1 − p) underflows. */
const MIN_HESSIAN = 1e-16;

const binary: ObjectiveFunctions = {
  baseScore(labels) {
    let positives = 0;
    for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
    const rate = Math.min(1 - 1e-15, Math.max(1e-15, positives / labels.length));
    return Math.log(rate / (1 - rate));
  },
  gradients(labels, raw, grad, hess) {
    for (let i = 0; i < raw.length; i++) {
      const p = sigmoid(raw[i] as number);
      grad[i] = p - (labels[i] as number);
      hess[i] = Math.max(p * (1 - p), MIN_HESSIAN);
    }
  },
  loss(labels, raw) {
    let sum = 0;
    for (let i = 0; i < raw.length; i++) {
      const z = raw[i] as number;
      // log(1 + e^z) − y·z, written to stay finite for large |z|.
      sum += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - (labels[i] as number) * z;
    }
    return sum / raw.length;
  },
};

const regression: ObjectiveFunctions = {
  baseScore(labels) {
    let sum = 0;
    for (let i = 0; i < labels.length; i++) sum += labels[i] as number;
    return sum / labels.length;
  },
  gradients(labels, raw, grad, hess) {
    for (let i = 0; i < raw.length; i++) {
      grad[i] = (raw[i] as number) - (labels[i] as number);
      hess[i] = 1;
    }
  },
  loss(labels, raw) {
    let sum = 0;
    for (let i = 0; i < raw.length; i++) {
      const d = (raw[i] as number) - (labels[i] as number);
      sum += d * d;
    }
    return sum / raw.length;
  },
};

export function objectiveFunctions(objective: GbdtObjective): ObjectiveFunctions {
  return objective === 'binary' ? binary : regression;
}
