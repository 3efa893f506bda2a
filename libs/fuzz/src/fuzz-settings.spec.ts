import { describe, expect, it } from 'vitest';
import { DEFAULT_FUZZ_RUNS, fuzzSettings, InvalidFuzzSettingError } from './index.js';

describe('fuzzSettings()', () => {
  it('defaults to a CI-sized run count, a fresh seed and no report file', () => {
    expect(fuzzSettings({})).toEqual({ runs: DEFAULT_FUZZ_RUNS, seed: undefined, reportFile: undefined, timeLimitS: undefined });
  });

  it('reads FUZZ_RUNS, FUZZ_SEED and FUZZ_REPORT, treating blank as unset', () => {
    expect(fuzzSettings({ FUZZ_RUNS: '100000', FUZZ_SEED: '-12', FUZZ_REPORT: 'fuzz-report.jsonl', FUZZ_TIME_LIMIT_S: '60' })).toEqual({ runs: 100_000, seed: -12, reportFile: 'fuzz-report.jsonl', timeLimitS: 60 });
    expect(fuzzSettings({ FUZZ_RUNS: ' ', FUZZ_REPORT: '' })).toEqual({ runs: DEFAULT_FUZZ_RUNS, seed: undefined, reportFile: undefined, timeLimitS: undefined });
  });

  it('refuses a run count that is not a whole number ≥ 1, naming the variable', () => {
    expect(() => fuzzSettings({ FUZZ_RUNS: '0' })).toThrow(InvalidFuzzSettingError);
    expect(() => fuzzSettings({ FUZZ_RUNS: '1e3x' })).toThrow(/^FUZZ_RUNS="1e3x": expected a whole number ≥ 1$/);
  });
});
