import type { ClickHouseClient } from '@clickhouse/client';
import type { Command } from 'commander';
import { ConfigError } from '@tributary/config';
import { Code, TributaryError } from '@tributary/errors';
import {
  EmptyScoringWindowError,
  InvalidFlightsFileError,
  InvalidScoringWindowError,
  ModelFeatureMismatchError,
  ModelVersionNotFoundError,
  SCORING_TABLES,
  ScoringAccessDeniedError,
  ScoringJobMismatchError,
  checkWindow,
  createClickHouseDepartureSource,
  createParquetDepartureSource,
  formatModelSpec,
  openBatchScoring,
  parseModelSpec,
  resolveScoringModel,
  scoreFlights,
  type DepartureSource,
  type ModelSpec,
  type ScoringResult,
} from '@tributary/scoring';
import { positiveInteger, windowBound } from './arguments.js';
import { clickhouseConnection, type ClickHouseConnection } from './clickhouse-connection.js';
import { operatorChannelSecurity, withOperatorChannelOptions, type OperatorChannelFlags } from './operator-channel.js';
import { platformNames, type PlatformNames } from './platform-names.js';
import { createScoreProgressView } from './score-progress.js';
import { registryAddress } from './registry-address.js';

/** What `tributary score` is given on its command line. */
export interface ScoreCommandOptions extends OperatorChannelFlags {
  /** `flight-delay`, `flight-delay@7` or `flight-delay@challenger`. */
  readonly model: string;
  readonly from?: number;
  readonly to?: number;
  /** A Parquet file of flights to score instead of the raw events in ClickHouse. */
  readonly parquet?: string;
  readonly job?: string;
  readonly chunkRows: number;
  readonly workers: number;
}

/** The exit codes of `tributary score`, one per kind of outcome a script may want to tell apart. */
export const SCORE_EXIT_CODES = {
  done: 0,
  /** ClickHouse or the registry failed, or anything unforeseen; the job resumes where it stopped. */
  failed: 1,
  /** The options contradict each other: a window that ends before it starts, a half window, a `--job` of another job. */
  invalidArguments: 2,
  /** The model, version or alias is unknown, or the model does not read the flight features. */
  modelNotFound: 3,
  /** No departure in the window. */
  emptyWindow: 4,
  /** The Parquet file is not Parquet, is corrupt or lacks a flights column. */
  unreadableFile: 5,
  /** ClickHouse or the registry refused the identity: its user lacks the operator's grants, or the registry its certificate. */
  refused: 6,
  /** Stopped by Ctrl-C; the job resumes where it stopped. */
  interrupted: 130,
} as const;

/** The exit code for what a run threw. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof InvalidScoringWindowError || error instanceof ScoringJobMismatchError || error instanceof ConfigError) return SCORE_EXIT_CODES.invalidArguments;
  if (error instanceof ModelVersionNotFoundError || error instanceof ModelFeatureMismatchError) return SCORE_EXIT_CODES.modelNotFound;
  if (error instanceof EmptyScoringWindowError) return SCORE_EXIT_CODES.emptyWindow;
  if (error instanceof InvalidFlightsFileError) return SCORE_EXIT_CODES.unreadableFile;
  const { code } = TributaryError.from(error);
  if (code === Code.PermissionDenied || code === Code.Unauthenticated) return SCORE_EXIT_CODES.refused;
  return SCORE_EXIT_CODES.failed;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The lines printed when a run ends. */
export function formatScoreSummary(result: ScoringResult, database: string): string[] {
  const read = `read them with: SELECT * FROM ${database}.${SCORING_TABLES.view} WHERE job_id = '${result.jobId}'`;
  if (result.alreadyComplete) return [`job ${result.jobId} was complete before: ${count(result.doneRows)} rows; nothing scored again`, read];
  if (result.status === 'stopped') {
    return [`job ${result.jobId} stopped at ${count(result.doneRows)} of ${count(result.totalRows)} rows; run the same command to resume it`];
  }
  const lines = [
    `job ${result.jobId} complete: ${count(result.doneRows)} rows, ${count(result.scoredRows)} scored by this run in ${(result.elapsedMs / 1000).toFixed(1)} s — ${count(Math.round(result.rowsPerSecond))} rows/s`,
  ];
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  lines.push(`  busy reading features ${seconds(result.stageMs.features)}, running the model ${seconds(result.stageMs.model)}, writing ${seconds(result.stageMs.write)} (overlapping)`);
  if (result.resumedRows > 0) lines.push(`  resumed: ${count(result.resumedRows)} rows were written by an earlier run`);
  if (result.repairedRows > 0) lines.push(`  ${count(result.repairedRows)} rows of a chunk whose write was cut short were removed and scored again`);
  lines.push(read);
  return lines;
}

/**
 * Runs a batch scoring job in this process against ClickHouse
 * (`CLICKHOUSE_URL`, `CLICKHOUSE_DATABASE` or the namespace's, as
 * `CLICKHOUSE_USER`/`CLICKHOUSE_PASSWORD`; `CLICKHOUSE_MANAGE_SCHEMA=false`
 * creates no table) and the registry (`REGISTRY_ADDRESS`, as the operator
 * identity with `--tls`), with a progress bar; resolves to the exit code.
 */
export async function runScore(options: ScoreCommandOptions, names: PlatformNames = platformNames()): Promise<number> {
  let sourceOf: (client: ClickHouseClient) => DepartureSource;
  let spec: ModelSpec;
  let clickhouse: ClickHouseConnection;
  try {
    clickhouse = clickhouseConnection();
    // The options first: a bad one is reported before anything is opened.
    const window = windowOf(options);
    if (window) checkWindow(window);
    const { parquet } = options;
    if (parquet) sourceOf = () => createParquetDepartureSource({ path: parquet, ...(window ? { window } : {}) });
    else if (window) sourceOf = (client) => createClickHouseDepartureSource({ client, database: names.database, window });
    else throw new InvalidScoringWindowError(undefined, undefined);
    spec = parseModelSpec(options.model);
  } catch (error) {
    return fail(error);
  }
  let registrySecurity: ReturnType<typeof operatorChannelSecurity>;
  try {
    registrySecurity = operatorChannelSecurity(options);
  } catch (error) {
    return fail(error);
  }
  const { manageSchema, ...connection } = clickhouse;
  const scoring = openBatchScoring({
    clickhouse: { ...connection, database: names.database },
    registry: { address: registryAddress(), ...registrySecurity },
    workers: options.workers,
  });
  const view = createScoreProgressView();
  const interrupted = new AbortController();
  const stop = () => interrupted.abort();
  process.once('SIGINT', stop);
  try {
    const source = sourceOf(scoring.client);
    const model = await resolveScoringModel(scoring.registry, spec);
    console.log(`scoring ${source.description} with ${model.modelName} v${model.version}${model.alias ? ` (${model.alias})` : ''} in ${options.workers} workers`);
    const result = await scoreFlights({
      source,
      model,
      modelSpec: formatModelSpec(spec),
      manageSchema,
      features: scoring.features,
      store: scoring.store,
      pool: scoring.pool,
      chunkRows: options.chunkRows,
      ...(options.job === undefined ? {} : { jobId: options.job }),
      onProgress: (progress) => view.update(progress),
      signal: interrupted.signal,
    });
    view.stop();
    for (const line of formatScoreSummary(result, names.database)) console.log(line);
    return result.status === 'stopped' ? SCORE_EXIT_CODES.interrupted : SCORE_EXIT_CODES.done;
  } catch (error) {
    view.stop();
    return fail(ScoringAccessDeniedError.find(error, clickhouse.user) ?? error);
  } finally {
    process.removeListener('SIGINT', stop);
    await scoring.close();
  }
}

/** Prints what went wrong in one line; returns its exit code. */
function fail(error: unknown): number {
  console.error(`✗ ${TributaryError.from(error).message}`);
  return exitCodeOf(error);
}

/** Both bounds, none (a whole Parquet file), or a refusal. */
function windowOf(options: ScoreCommandOptions): { fromMs: number; toMs: number } | undefined {
  if (options.from === undefined && options.to === undefined) return undefined;
  if (options.from === undefined || options.to === undefined) throw new InvalidScoringWindowError(options.from, options.to);
  return { fromMs: options.from, toMs: options.to };
}

/** `tributary score`: batch inference over a window of the offline store or a Parquet file of flights. */
export function registerScoreCommand(program: Command): void {
  const command = program
    .command('score')
    .description('score a window of departed flights (or a Parquet file of flights) with one model version, into ClickHouse; resumable')
    .requiredOption('--model <name[@version|@alias]>', 'model and version or alias, e.g. flight-delay@3 or flight-delay@challenger (default alias: champion)')
    .option('--from <time>', 'first departure, YYYY-MM-DD[THH:MM] (naive local time, as the dataset); required without --parquet', windowBound)
    .option('--to <time>', 'departures before this; required without --parquet', windowBound)
    .option('--parquet <file>', 'score the flights of this Parquet file (the columns of flights-3m.parquet) instead of the raw events in ClickHouse')
    .option('--job <id>', 'job id to start or resume (default: one per model version and source, so the same command resumes)')
    .option('--chunk-rows <n>', 'rows per chunk: one INSERT, the unit a resumed job restarts from', positiveInteger, 20_000)
    .option('--workers <n>', 'ONNX Runtime worker threads', positiveInteger, 2)
    .addHelpText(
      'after',
      `\nExit codes: 0 done, 1 failed (resumable), 2 invalid arguments, 3 unknown model or version, 4 no departures in the window, 5 unreadable Parquet file, ` +
        `6 refused (the ClickHouse user lacks the operator's grants, or the registry the operator certificate), 130 interrupted (resumable).`,
    );
  withOperatorChannelOptions(command).action(async (options: ScoreCommandOptions) => {
    process.exitCode = await runScore(options);
  });
}
