import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { fuzzSettings, type FuzzSettings } from './fuzz-settings.js';

/**
 * One edge of the system, as fuzzing sees it: how to generate an input and
 * how to feed it in and check what came out. Adding an edge is a few lines:
 * an arbitrary and a check.
 */
export interface FuzzEdge<T> {
  /** The edge's name in reports and in `bench-results/fuzz.json`, e.g. `ingest json records`. */
  readonly name: string;
  /** Generates one input. */
  readonly input: fc.Arbitrary<T>;
  /**
   * Feeds one input to the edge and checks its properties, throwing (or
   * rejecting) when one does not hold. Whatever escapes counts as a crash.
   */
  readonly check: (input: T) => unknown;
}

/** One input that broke a property, as text fit for a report. */
export interface FuzzFailure {
  /** The input, printed by fast-check and cut to 400 characters. */
  readonly input: string;
  /** What was thrown (or rejected unhandled), with its name. */
  readonly error: string;
}

/** What a run of one edge found. */
export interface FuzzReport {
  readonly edge: string;
  /** Inputs fed to the edge. */
  readonly inputs: number;
  /** Inputs that broke a property, plus unhandled rejections and exceptions seen during the run. */
  readonly crashes: number;
  /** fast-check's seed: `FUZZ_SEED=<seed>` replays the run. */
  readonly seed: number;
  readonly seconds: number;
  /** The first few failures (at most {@link RunFuzzEdgeOptions.maxFailures}). */
  readonly failures: readonly FuzzFailure[];
}

/** Options of {@link runFuzzEdge}; each defaults to the environment's ({@link fuzzSettings}). */
export interface RunFuzzEdgeOptions extends Partial<FuzzSettings> {
  /** Failures kept in the report. Default 5. */
  readonly maxFailures?: number;
}

const MAX_TEXT = 400;

/**
 * Feeds `runs` generated inputs to an edge, one at a time, and counts the ones
 * that broke a property instead of stopping at the first, so a benchmark can
 * say how many crashed. An unhandled rejection or exception while the run
 * lasts counts as a crash too (a handler that forgot a promise is a crash
 * waiting for production). Appends the report to `reportFile` when set.
 */
export async function runFuzzEdge<T>(edge: FuzzEdge<T>, options: RunFuzzEdgeOptions = {}): Promise<FuzzReport> {
  const settings = { ...fuzzSettings(), ...definedOnly(options) };
  const maxFailures = options.maxFailures ?? 5;
  const failures: FuzzFailure[] = [];
  let inputs = 0;
  let crashes = 0;
  const fail = (input: string, error: unknown) => {
    crashes++;
    if (failures.length < maxFailures) failures.push({ input, error: describeError(error) });
  };
  const unhandled = (error: unknown) => fail('(unhandled, outside any one input)', error);
  process.on('unhandledRejection', unhandled);
  process.on('uncaughtException', unhandled);
  const started = performance.now();
  try {
    const property = fc.asyncProperty(edge.input, async (input) => {
      inputs++;
      try {
        await edge.check(input);
      } catch (error) {
        fail(cut(fc.stringify(input)), error);
      }
    });
    const details = await fc.check(property, {
      numRuns: settings.runs,
      ...(settings.seed === undefined ? {} : { seed: settings.seed }),
      ...(settings.timeLimitS === undefined ? {} : { interruptAfterTimeLimit: settings.timeLimitS * 1000, markInterruptAsFailure: false }),
    });
    // Unhandled rejections surface a tick after the input that caused them.
    await new Promise((resolve) => setImmediate(resolve));
    const report: FuzzReport = { edge: edge.name, inputs, crashes, seed: details.seed, seconds: (performance.now() - started) / 1000, failures };
    if (settings.reportFile) appendFileSync(settings.reportFile, `${JSON.stringify(report)}\n`);
    return report;
  } finally {
    process.off('unhandledRejection', unhandled);
    process.off('uncaughtException', unhandled);
  }
}

function definedOnly(options: RunFuzzEdgeOptions): Partial<FuzzSettings> {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => value !== undefined && key !== 'maxFailures'));
}

function describeError(error: unknown): string {
  return cut(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

function cut(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT)}… (${text.length} characters)`;
}
