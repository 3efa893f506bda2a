import { InvalidArgumentError } from 'commander';

/** Parses a command-line count: a whole number ≥ 1, or a message saying what to type. */
export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

/** Parses a command-line count that may be 0: a whole number ≥ 0, or a message saying what to type. */
export function nonNegativeInteger(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return value;
}
