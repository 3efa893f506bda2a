/**
 * The reference a scenario is judged against: the raw events the stream
 * ingested, copied into a scratch database and run through
 * `feature-pipeline backfill` into that database and a scratch key prefix —
 * the same processor, with no fault and in time order.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ChaosProcessError } from './errors.js';
import { startNodeScript } from './node-script.js';

/** Options of {@link buildReference}. */
export interface ReferenceOptions {
  readonly clickhouse: ClickHouseClient;
  /** Database the stream's ingestion wrote `events_raw` to. */
  readonly sourceDatabase: string;
  /** Scratch database: gets a copy of `events_raw` and the reference's offline tables. */
  readonly database: string;
  /** Scratch key prefix of the reference's online hashes and checkpoint. */
  readonly redisPrefix: string;
  /** Seal the backfill here: boundaries up to it are emitted, as far as the stream got. */
  readonly untilMs: number;
  /** The stack's environment (endpoints). */
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
}

/** Copies the raw events and runs the backfill; throws {@link ChaosProcessError} if it fails. */
export async function buildReference(options: ReferenceOptions): Promise<void> {
  const { clickhouse, sourceDatabase, database, redisPrefix, untilMs, env, logFile } = options;
  for (const name of [sourceDatabase, database]) if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  // CREATE TABLE … AS takes no identifier parameters; both names are plain (checked above).
  await clickhouse.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await clickhouse.command({ query: `CREATE TABLE ${database}.events_raw AS ${sourceDatabase}.events_raw` });
  await clickhouse.command({ query: `INSERT INTO ${database}.events_raw SELECT * FROM ${sourceDatabase}.events_raw` });

  const { exitCode, signal } = await startNodeScript(
    'apps/feature-pipeline/dist/main.js',
    ['backfill', '--until', new Date(untilMs).toISOString()],
    { ...env, CLICKHOUSE_DATABASE: database, FEATURES_REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'info' },
    logFile,
  ).done;
  if (exitCode !== 0) throw new ChaosProcessError('feature-pipeline backfill', `exited with ${exitCode ?? signal}`, logFile);
}
