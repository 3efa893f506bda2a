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

/** `2001-02-01` or `2001-02-01T06:30`: a naive local time, read as if UTC like the dataset's. */
export function windowBound(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/.test(text)) throw new InvalidArgumentError('expected YYYY-MM-DD or YYYY-MM-DDTHH:MM');
  const ms = Date.parse(text.length === 10 ? `${text}T00:00Z` : `${text}Z`);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('not a valid date');
  return ms;
}
