import { describe, expect, it } from 'vitest';
import { airportCode, airportFromCode } from './index.js';

describe('airportCode()', () => {
  it('gives every identifier its own code below 2^24 and reads it back', () => {
    const ids = ['ORD', 'LAX', 'A', 'ZZZZ', '9999', 'K1A'];
    const codes = ids.map(airportCode);
    expect(new Set(codes).size).toBe(ids.length);
    for (const code of codes) expect(code).toBeLessThan(2 ** 24);
    expect(codes.map(airportFromCode)).toEqual(ids);
  });

  it('treats identifiers it cannot encode as missing', () => {
    expect(airportCode('')).toBeNaN();
    expect(airportCode('ord')).toBeNaN();
    expect(airportCode('TOOLONG')).toBeNaN();
  });

  it('rejects numbers that are no code', () => {
    expect(airportFromCode(0)).toBeUndefined();
    expect(airportFromCode(1.5)).toBeUndefined();
    expect(airportFromCode(37)).toBeUndefined();
  });
});
