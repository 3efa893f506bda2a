import { ConfigError, formatConfigHelp, loadConfig, type ConfigOf, type ConfigSchema, type Env } from '@tributary/config';
import { createLogger, type Logger } from '@tributary/observability';

/** Options of {@link loadConfigOrExit}. */
export interface LoadConfigOrExitOptions {
  /** Service name, first word of `--help`. */
  readonly service: string;
  /** One line on what the service does, printed by `--help`. Default: none. */
  readonly summary?: string;
  /** Command-line arguments; `--help` or `-h` prints the variables. Default: `process.argv`. */
  readonly argv?: readonly string[];
  /** Environment to read. Default: `process.env`. */
  readonly env?: Env;
  /** Where the configuration problems are logged. Default: a logger named after the service. */
  readonly logger?: Logger;
  /** Ends the process. Default: `process.exit`; tests pass one that throws. */
  readonly exit?: (code: number) => never;
  /** Where `--help` is written. Default: standard output. */
  readonly output?: NodeJS.WritableStream;
}

/**
 * The first line of a service's `main`: prints the documented variables and
 * exits 0 on `--help`; logs every configuration problem at once and exits 2
 * when the environment is invalid; otherwise returns the typed config.
 */
export function loadConfigOrExit<S extends ConfigSchema>(schema: S, options: LoadConfigOrExitOptions): ConfigOf<S> {
  const argv = options.argv ?? process.argv;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  if (argv.includes('--help') || argv.includes('-h')) {
    const title = options.summary ? `${options.service} — ${options.summary}` : options.service;
    (options.output ?? process.stdout).write(`${title}\n\nEnvironment:\n${formatConfigHelp(schema)}\n`);
    return exit(0);
  }
  try {
    return loadConfig(schema, options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const logger = options.logger ?? createLogger({ name: options.service });
    logger.fatal({ problems: error.problems }, error.message);
    return exit(2);
  }
}
