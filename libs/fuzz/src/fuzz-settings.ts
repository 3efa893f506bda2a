import { InvalidFuzzSettingError } from './errors.js';

/** Generated inputs per edge when `FUZZ_RUNS` is unset: enough to find the common mistakes, few enough for CI. */
export const DEFAULT_FUZZ_RUNS = 300;

/** What {@link fuzzSettings} reads; `process.env` by default. */
export type FuzzEnvironment = Readonly<Record<string, string | undefined>>;

/** How many inputs each edge gets, with which seed, and where reports go. */
export interface FuzzSettings {
  /** `FUZZ_RUNS`: inputs per edge. Default {@link DEFAULT_FUZZ_RUNS}. */
  readonly runs: number;
  /** `FUZZ_SEED`: fast-check's seed, to replay a run that failed. Default: a fresh one per run (printed on failure). */
  readonly seed: number | undefined;
  /** `FUZZ_REPORT`: a file each edge appends its report to, one JSON line (the fuzz benchmark reads it). Default: none. */
  readonly reportFile: string | undefined;
  /** `FUZZ_TIME_LIMIT_S`: an edge stops after this long even if fewer than `runs` inputs were fed; its report says how many. Default: none. */
  readonly timeLimitS: number | undefined;
}

/** The fuzzing settings of the environment; blank values count as unset. */
export function fuzzSettings(env: FuzzEnvironment = process.env): FuzzSettings {
  return {
    runs: wholeNumber(env, 'FUZZ_RUNS', 1) ?? DEFAULT_FUZZ_RUNS,
    seed: wholeNumber(env, 'FUZZ_SEED', -(2 ** 31)),
    reportFile: env['FUZZ_REPORT']?.trim() || undefined,
    timeLimitS: wholeNumber(env, 'FUZZ_TIME_LIMIT_S', 1),
  };
}

function wholeNumber(env: FuzzEnvironment, variable: string, least: number): number | undefined {
  const text = env[variable]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < least) throw new InvalidFuzzSettingError(variable, text, `a whole number ≥ ${least}`);
  return value;
}
