import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { isInRange, type PlausibleRange } from '@tributary/flights';
import { RejectReason, reject, type Rejection } from './rejection.js';

/** Checks one field's value; `field` is its path, used in the rejection. */
export type FieldRule = (value: unknown, field: string) => Rejection | undefined;

/** Options of {@link requiredString}. */
export interface RequiredStringOptions {
  /** The value must match it whole. Default: any non-empty string. */
  readonly pattern?: RegExp;
  /** Longest accepted value in UTF-16 units. Default 256. */
  readonly maxLength?: number;
}

/** A non-empty string (proto3 cannot tell an unset string from an empty one). */
export function requiredString(options: RequiredStringOptions = {}): FieldRule {
  const { pattern, maxLength = 256 } = options;
  return (value, field) => {
    if (typeof value !== 'string' || value === '') return reject(RejectReason.missingField, 'is required', field);
    if (value.length > maxLength) return reject(RejectReason.invalidValue, `is longer than ${maxLength} characters`, field);
    if (pattern && !pattern.test(value)) {
      return reject(RejectReason.invalidValue, `${JSON.stringify(value)} does not match ${pattern.source}`, field);
    }
    return undefined;
  };
}

/** A three-letter or -digit IATA airport code in upper case, e.g. `ORD`. */
export function iataCode(): FieldRule {
  return requiredString({ pattern: /^[A-Z0-9]{3}$/ });
}

/**
 * An integer inside a plausible range. In proto3 an unset number reads 0, so
 * a range that excludes 0 also catches a missing value.
 */
export function integerIn(range: PlausibleRange): FieldRule {
  return (value, field) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return reject(RejectReason.invalidValue, 'is not an integer', field);
    if (!isInRange(value, range)) return reject(RejectReason.outOfRange, `${value} is outside ${range.min}…${range.max}`, field);
    return undefined;
  };
}

/** The range google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z up to 9999-12-31T23:59:59.999999999Z, in seconds. */
const TIMESTAMP_SECONDS = { min: -62_135_596_800n, max: 253_402_300_799n } as const;

/**
 * A timestamp that is set and valid: nanos within a second, seconds within
 * the range the Timestamp type allows (years 1–9999). Outside it no Date can
 * show the time, and a message about it would fail to print.
 */
export function requiredTimestamp(): FieldRule {
  return (value, field) => {
    const timestamp = value as Timestamp | undefined;
    if (timestamp === undefined) return reject(RejectReason.missingField, 'is required', field);
    if (timestamp.nanos < 0 || timestamp.nanos > 999_999_999) return reject(RejectReason.invalidValue, 'has nanos outside 0…999999999', field);
    if (timestamp.seconds < TIMESTAMP_SECONDS.min || timestamp.seconds > TIMESTAMP_SECONDS.max) {
      return reject(RejectReason.outOfRange, `${timestamp.seconds} s is outside years 1…9999`, field);
    }
    return undefined;
  };
}
