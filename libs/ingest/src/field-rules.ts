import { timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
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

/** A timestamp that is set and valid (nanos within a second). */
export function requiredTimestamp(): FieldRule {
  return (value, field) => {
    const timestamp = value as Timestamp | undefined;
    if (timestamp === undefined) return reject(RejectReason.missingField, 'is required', field);
    if (timestamp.nanos < 0 || timestamp.nanos > 999_999_999) return reject(RejectReason.invalidValue, 'has nanos outside 0…999999999', field);
    if (!Number.isFinite(timestampMs(timestamp))) return reject(RejectReason.invalidValue, 'is not a finite time', field);
    return undefined;
  };
}
