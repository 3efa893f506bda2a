import { InvalidOptionsError } from './errors.js';

/** Returns `value` when it is an integer ≥ `minimum`, and throws otherwise. */
export function checkInteger(option: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) throw new InvalidOptionsError(option, `must be an integer ≥ ${minimum}, got ${value}`);
  return value;
}

/** Returns `value` when it lies in [0, 1], and throws otherwise. */
export function checkShare(option: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new InvalidOptionsError(option, `must lie in [0, 1], got ${value}`);
  return value;
}
