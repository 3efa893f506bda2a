/**
 * The reference a scenario is judged against: the raw events the stream
 * ingested, copied into a scratch database and run through
 * `feature-pipeline backfill` into that database and a scratch key prefix —
 * the same processor, with no fault and in time order.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { findWorkspaceRoot } from '@tributary/infra';
import { ChaosProcessError } from './errors.js';

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

  const root = findWorkspaceRoot();
  const args = [join(root, 'apps', 'feature-pipeline', 'dist', 'main.js'), 'backfill', '--until', new Date(untilMs).toISOString()];
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...env, CLICKHOUSE_DATABASE: database, FEATURES_REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'info' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  if (exitCode !== 0) throw new ChaosProcessError('feature-pipeline backfill', `exited with ${exitCode}`, logFile);
}
