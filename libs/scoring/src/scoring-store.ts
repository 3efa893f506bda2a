import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { RowBinaryWriter } from '@tributary/row-binary';
import { ScoringStoreError } from './errors.js';

/** A batch scoring job as recorded: what it scores with, what it reads, and whether it finished. */
export interface ScoringJob {
  readonly jobId: string;
  readonly modelName: string;
  readonly modelVersion: number;
  /** What was asked for, e.g. `flight-delay@champion`. */
  readonly modelSpec: string;
  /** What is read, for people (see `DepartureSource.description`). */
  readonly source: string;
  /** What is read, for resuming (see `DepartureSource.identity`). */
  readonly sourceIdentity: string;
  /** `running` until every row is written; only then `complete`. */
  readonly status: 'running' | 'complete';
  /** Rows in the result table when it completed; 0 while running. */
  readonly rows: number;
  readonly startedAtMs: number;
  readonly updatedAtMs: number;
}

/** One scored departure. */
export interface ScoredRow {
  readonly eventId: string;
  readonly probability: number;
  readonly prediction: 0 | 1;
}

/** A chunk of scored rows, written in one INSERT. */
export interface ScoredChunk {
  readonly jobId: string;
  /** Sequence number within the job, unique across its runs. */
  readonly chunk: number;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly scoredAtMs: number;
  readonly rows: readonly ScoredRow[];
}

/** What a job wrote before this run: what to skip, and where chunk numbers go on. */
export interface JobProgress {
  readonly scoredEventIds: Set<string>;
  readonly nextChunk: number;
  /** Rows of chunks found incomplete (a write cut short) and removed, to be scored again. */
  readonly removedRows: number;
}

/** Options of {@link createScoringStore}. */
export interface ScoringStoreOptions {
  /** The caller opens and closes it. */
  readonly client: ClickHouseClient;
  /** Default `tributary` (the namespace's database in services and the CLI). */
  readonly database?: string;
}

/** The ClickHouse tables of batch scoring; see {@link createScoringStore}. */
export interface ScoringStore {
  readonly database: string;
  /** Creates the database, both tables and the view if missing. */
  ensureSchema(): Promise<void>;
  getJob(jobId: string): Promise<ScoringJob | undefined>;
  /** Records a job's state; the latest `updatedAtMs` wins. */
  putJob(job: ScoringJob): Promise<void>;
  /** Removes the rows of chunks a cut write left incomplete, then reads what the job has written. */
  resume(jobId: string): Promise<JobProgress>;
  /** Writes a chunk's rows in one INSERT: all of them become visible, or none. */
  insertChunk(chunk: ScoredChunk): Promise<void>;
  /** Rows and distinct event ids the job has in the row table. */
  countRows(jobId: string): Promise<{ readonly rows: number; readonly distinctEventIds: number }>;
}

/** The tables: rows of every chunk written, jobs, and the view readers use. */
export const SCORING_TABLES = { rows: 'batch_score_rows', jobs: 'batch_score_jobs', view: 'batch_scores' } as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/i;
/** A chunk is far below this, so each INSERT forms one block, one part: atomic. */
const INSERT_SETTINGS = { async_insert: 0, max_insert_block_size: '10000000', min_insert_block_size_rows: '10000000' } as const;

/**
 * Batch scores in ClickHouse. `batch_score_rows` (MergeTree, no row ever
 * replaced, so `count()` against `uniqExact(event_id)` shows any duplicate)
 * holds each chunk's rows with the chunk's number and size; one INSERT per
 * chunk, one block, one part, so a chunk is there whole or not at all, and a
 * chunk found smaller than its recorded size is removed on resume.
 * `batch_score_jobs` (ReplacingMergeTree on the update time) records each
 * job, `complete` only after its last chunk; the view `batch_scores` shows
 * the rows of complete jobs only, so a reader never takes a job cut short for
 * a finished one.
 */
export function createScoringStore(options: ScoringStoreOptions): ScoringStore {
  const { client, database = 'tributary' } = options;
  if (!IDENTIFIER.test(database)) throw new ScoringStoreError('opening the scoring store', new Error(`${database} is not a plain ClickHouse identifier`));
  const rows = `\`${database}\`.${SCORING_TABLES.rows}`;
  const jobs = `\`${database}\`.${SCORING_TABLES.jobs}`;
  const view = `\`${database}\`.${SCORING_TABLES.view}`;

  const guarded = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new ScoringStoreError(operation, error);
    }
  };
  const select = async (query: string, params: Record<string, unknown>): Promise<string[][]> => {
    const result = await client.query({ query, query_params: params, format: 'TabSeparated' });
    return (await result.text())
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split('\t'));
  };

  return {
    database,
    ensureSchema: () =>
      guarded('creating the scoring tables', async () => {
        await client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${database}\`` });
        await client.command({
          query: `CREATE TABLE IF NOT EXISTS ${rows} (
            job_id String,
            chunk UInt32,
            chunk_rows UInt32,
            model_name LowCardinality(String),
            model_version UInt32,
            event_id String,
            probability Float64,
            prediction UInt8,
            scored_at DateTime64(3, 'UTC')
          ) ENGINE = MergeTree ORDER BY (job_id, event_id)`,
        });
        await client.command({
          query: `CREATE TABLE IF NOT EXISTS ${jobs} (
            job_id String,
            model_name LowCardinality(String),
            model_version UInt32,
            model_spec String,
            source String,
            source_identity String,
            status Enum8('running' = 1, 'complete' = 2),
            rows UInt64,
            started_at DateTime64(3, 'UTC'),
            updated_at DateTime64(3, 'UTC')
          ) ENGINE = ReplacingMergeTree(updated_at) ORDER BY job_id`,
        });
        await client.command({
          query: `CREATE VIEW IF NOT EXISTS ${view} AS
            SELECT job_id, model_name, model_version, event_id, probability, prediction, scored_at
            FROM ${rows}
            WHERE job_id IN (SELECT job_id FROM ${jobs} FINAL WHERE status = 'complete')`,
        });
      }),

    getJob: (jobId) =>
      guarded(`reading job ${jobId}`, async () => {
        const [row] = await select(
          `SELECT job_id, model_name, model_version, model_spec, source, source_identity, status, rows,
             toUnixTimestamp64Milli(started_at), toUnixTimestamp64Milli(updated_at)
           FROM ${jobs} FINAL WHERE job_id = {job:String}`,
          { job: jobId },
        );
        if (!row) return undefined;
        const [id = '', modelName = '', version, modelSpec = '', source = '', sourceIdentity = '', status, count, started, updated] = row;
        return {
          jobId: id,
          modelName,
          modelVersion: Number(version),
          modelSpec,
          source,
          sourceIdentity,
          status: status === 'complete' ? 'complete' : 'running',
          rows: Number(count),
          startedAtMs: Number(started),
          updatedAtMs: Number(updated),
        };
      }),

    putJob: (job) =>
      guarded(`recording job ${job.jobId}`, async () => {
        await client.insert({
          table: jobs,
          format: 'JSONEachRow',
          values: [
            {
              job_id: job.jobId,
              model_name: job.modelName,
              model_version: job.modelVersion,
              model_spec: job.modelSpec,
              source: job.source,
              source_identity: job.sourceIdentity,
              status: job.status,
              rows: job.rows,
              started_at: job.startedAtMs,
              updated_at: job.updatedAtMs,
            },
          ],
          clickhouse_settings: { async_insert: 0, date_time_input_format: 'best_effort' },
        });
      }),

    resume: (jobId) =>
      guarded(`reading what job ${jobId} wrote`, async () => {
        const cut = await select(
          `SELECT chunk, count() FROM ${rows} WHERE job_id = {job:String} GROUP BY chunk HAVING count() != any(chunk_rows)`,
          { job: jobId },
        );
        let removedRows = 0;
        if (cut.length > 0) {
          removedRows = cut.reduce((sum, [, count]) => sum + Number(count), 0);
          await client.command({
            query: `ALTER TABLE ${rows} DELETE WHERE job_id = {job:String} AND chunk IN {chunks:Array(UInt32)}`,
            query_params: { job: jobId, chunks: cut.map(([chunk]) => Number(chunk)) },
            clickhouse_settings: { mutations_sync: '2' },
          });
        }
        const scoredEventIds = new Set<string>();
        let nextChunk = 0;
        const result = await client.query({ query: `SELECT event_id, chunk FROM ${rows} WHERE job_id = {job:String}`, query_params: { job: jobId }, format: 'TabSeparated' });
        for await (const lines of result.stream()) {
          for (const line of lines) {
            const [eventId = '', chunk] = line.text.split('\t');
            scoredEventIds.add(eventId);
            nextChunk = Math.max(nextChunk, Number(chunk) + 1);
          }
        }
        // Chunk numbers of removed chunks are not reused either: a number names one write.
        for (const [chunk] of cut) nextChunk = Math.max(nextChunk, Number(chunk) + 1);
        return { scoredEventIds, nextChunk, removedRows };
      }),

    insertChunk: (chunk) =>
      guarded(`writing chunk ${chunk.chunk} of job ${chunk.jobId}`, async () => {
        const writer = new RowBinaryWriter(chunk.rows.length * 96 + 1024);
        for (const row of chunk.rows) {
          writer.string(chunk.jobId);
          writer.uint32(chunk.chunk);
          writer.uint32(chunk.rows.length);
          writer.string(chunk.modelName);
          writer.uint32(chunk.modelVersion);
          writer.string(row.eventId);
          writer.float64(row.probability);
          writer.uint8(row.prediction);
          writer.int64(chunk.scoredAtMs);
        }
        // A body cut short by a killed process fails the INSERT; should a part of it ever land, resume() sees it short of chunk_rows.
        const result = await client.exec({ query: `INSERT INTO ${rows} FORMAT RowBinary`, values: Readable.from([writer.take()]), clickhouse_settings: INSERT_SETTINGS });
        await finished(result.stream.resume());
      }),

    countRows: (jobId) =>
      guarded(`counting the rows of job ${jobId}`, async () => {
        const [row] = await select(`SELECT count(), uniqExact(event_id) FROM ${rows} WHERE job_id = {job:String}`, { job: jobId });
        return { rows: Number(row?.[0] ?? 0), distinctEventIds: Number(row?.[1] ?? 0) };
      }),
  };
}
