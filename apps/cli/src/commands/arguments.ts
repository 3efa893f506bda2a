import { InvalidArgumentError } from 'commander';

/** Parses a command-line count: a whole number ≥ 1, or a message saying what to type. */
export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a positive integer');
  return value;
}
