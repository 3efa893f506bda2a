import { describe, expect, it } from 'vitest';
import { FLIGHT_ATTRIBUTE_NAMES, categoryCode, flightAttributes } from './index.js';

describe('categoryCode()', () => {
  it('reads a short upper-case code as a base-36 number, below 2^24', () => {
    expect(categoryCode('ORD')).toBe(24 * 36 ** 2 + 27 * 36 + 13);
    expect(categoryCode('ZZZZ')).toBe(36 ** 4 - 1);
    expect(categoryCode('ZZZZ')).toBeLessThan(2 ** 24);
    expect(categoryCode('A')).not.toBe(categoryCode('AA'));
  });

  it('gives NaN for anything else, so the model sees a missing value', () => {
    for (const value of ['', 'ord', 'ABCDE', 'O-D']) expect(categoryCode(value)).toBeNaN();
  });
});

describe('flightAttributes()', () => {
  it('takes hour and weekday from the departure time as encoded, and codes both airports', () => {
    // 2001-01-01 was a Monday; the flights data encodes local time as if UTC.
    const attributes = flightAttributes({ departureTimeMs: Date.UTC(2001, 0, 1, 17, 45), distanceMiles: 1744, origin: 'ORD', destination: 'LAX' });
    expect(attributes).toEqual({ distance_miles: 1744, hour_of_day: 17, day_of_week: 1, origin_code: categoryCode('ORD'), destination_code: categoryCode('LAX') });
    expect(Object.keys(attributes)).toEqual([...FLIGHT_ATTRIBUTE_NAMES]);
  });
});
