import { Code, TributaryError } from '@tributary/errors';

/** A fuzzing setting from the environment (`FUZZ_RUNS`, `FUZZ_SEED`) that is not what it must be. */
export class InvalidFuzzSettingError extends TributaryError {
  override name = 'InvalidFuzzSettingError';
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, value: string, expected: string) {
    // A typo in a setting stays a typo: retrying cannot help.
    super(Code.InvalidArgument, `${variable}=${JSON.stringify(value)}: expected ${expected}`, { retryable: false });
    this.variable = variable;
  }
}

/** An edge broke one of its properties on some generated inputs; the message lists the first ones. */
export class FuzzPropertyError extends TributaryError {
  override name = 'FuzzPropertyError';
  readonly edge: string;
  readonly crashes: number;

  constructor(edge: string, crashes: number, inputs: number, seed: number, examples: readonly { readonly input: string; readonly error: string }[]) {
    const listed = examples.map((e, i) => `  ${i + 1}. ${e.error}\n     input: ${e.input}`).join('\n');
    // The same inputs break it again: a bug to fix, never to retry.
    super(Code.Internal, `${edge}: ${crashes} of ${inputs} generated inputs broke a property (replay with FUZZ_SEED=${seed})\n${listed}`, { retryable: false });
    this.edge = edge;
    this.crashes = crashes;
  }
}
