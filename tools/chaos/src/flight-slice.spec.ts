import { describe, expect, it } from 'vitest';
import { InvalidSliceError } from './errors.js';
import { sliceTimeMs } from './flight-slice.js';

describe('sliceTimeMs()', () => {
  it('reads a day or a minute as naive local time, as if UTC', () => {
    expect(sliceTimeMs('2001-01-02')).toBe(Date.UTC(2001, 0, 2));
    expect(sliceTimeMs('2001-01-02T06:30')).toBe(Date.UTC(2001, 0, 2, 6, 30));
  });

  it('refuses anything else with the bound it could not read', () => {
    expect(() => sliceTimeMs('2 Jan 2001')).toThrow(InvalidSliceError);
    expect(() => sliceTimeMs('2001-13-45')).toThrow(/2001-13-45/);
  });
});
