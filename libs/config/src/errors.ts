import { Code, TributaryError } from '@tributary/errors';

/** One environment variable that is missing or does not parse. */
export interface ConfigProblem {
  /** The variable's name, e.g. `KAFKA_BROKERS`. */
  readonly variable: string;
  /** What is wrong and what would be right, without the variable's name. */
  readonly message: string;
}

/**
 * The environment does not describe a valid configuration. The message lists
 * every problem at once, one line per variable, so a deploy is fixed in one go.
 */
export class ConfigError extends TributaryError {
  override name = 'ConfigError';

  constructor(
    /** Every missing or invalid variable, in the order of the schema. */
    readonly problems: readonly ConfigProblem[],
  ) {
    const lines = problems.map((problem) => `  ${problem.variable}: ${problem.message}`);
    const noun = problems.length === 1 ? 'variable needs' : 'variables need';
    super(Code.InvalidArgument, `invalid configuration: ${problems.length} environment ${noun} fixing\n${lines.join('\n')}`, {
      retryable: false,
    });
  }
}
