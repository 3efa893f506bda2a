import { describe, expect, it } from 'vitest';
import { interpolate } from './compose-interpolation.js';

describe('interpolate()', () => {
  const env = { SET: 'value', EMPTY: '' };

  it('replaces ${VAR} and $VAR, and $$ with a literal $', () => {
    expect(interpolate('a ${SET} $SET $$SET $${SET}', env).value).toBe('a value value $SET ${SET}');
  });

  it('applies defaults: ":-" when unset or empty, "-" when unset only', () => {
    expect(interpolate(['${UNSET:-d}', '${EMPTY:-d}', '${EMPTY-d}', '${UNSET-d}', '${SET:-d}'], env).value).toEqual(['d', 'd', '', 'd', 'value']);
  });

  it('interpolates inside defaults', () => {
    expect(interpolate('${UNSET:-${SET}-x}', env).value).toBe('value-x');
  });

  it('reports a missing required variable with its message', () => {
    const { value, problems } = interpolate({ a: '${UNSET:?set it}', b: '${EMPTY?needed}', c: '${EMPTY:?not empty}' }, env);
    expect(value).toEqual({ a: '', b: '', c: '' });
    expect(problems).toEqual([
      { variable: 'UNSET', message: 'set it' },
      { variable: 'EMPTY', message: 'not empty' },
    ]);
  });

  it('uses the alternative of ":+" and "+" only when set', () => {
    expect(interpolate(['${SET:+alt}', '${UNSET:+alt}', '${EMPTY:+alt}', '${EMPTY+alt}'], env).value).toEqual(['alt', '', '', 'alt']);
  });

  it('leaves keys, numbers and booleans alone', () => {
    expect(interpolate({ '${SET}': 1, flag: true, none: null }, env).value).toEqual({ '${SET}': 1, flag: true, none: null });
  });
});
