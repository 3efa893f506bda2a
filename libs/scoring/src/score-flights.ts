import { createHash } from 'node:crypto';
import { flightTrainingSet, type OfflineStore, type flightFeatureSet } from '@tributary/features';
import type { OnnxWorkerPool } from '@tributary/serving';
import type { Departure, DepartureSource } from './departure-source.js';
import { EmptyScoringWindowError, ScoringJobMismatchError } from './errors.js';
import type { ScoringModel } from './scoring-model.js';
import type { ScoredRow, ScoringJob, ScoringStore } from './scoring-store.js';

/** The offline feature store of the flight features: where the point-in-time rows come from. */
export type FlightFeatureStore = OfflineStore<typeof flightFeatureSet.features>;

/** Options of {@link scoreFlights}. */
export interface ScoreFlightsOptions {
  readonly source: DepartureSource;
  /** The version to score with (see `resolveScoringModel`). */
  readonly model: ScoringModel;
  /** What was asked for, recorded with the job. Default `<model>@<version>`. */
  readonly modelSpec?: string;
  readonly features: FlightFeatureStore;
  readonly store: ScoringStore;
  /** Where the model runs: the serving plane's worker pool (`createOnnxWorkerPool`). The caller closes it. */
  readonly pool: OnnxWorkerPool;
  /** Resume or start this job. Default {@link defaultJobId}: the same model version and source resume the same job. */
  readonly jobId?: string;
  /** Rows per chunk: one INSERT, the unit a resumed job picks up from. Default 20 000. */
  readonly chunkRows?: number;
  /**
   * Rows per feature read: one point-in-time join, whose cost is mostly fixed
   * per query (every read scans the snapshots of the longest TTL before it),
   * so one read serves several chunks. Default 100 000, and never fewer than `chunkRows`.
   */
  readonly readRows?: number;
  /** Rows per model run in a worker. Default 1 000. */
  readonly batchRows?: number;
  /** Probability at or above which `prediction` is 1, as the inference service. Default 0.5. */
  readonly threshold?: number;
  /**
   * Whether to create the scoring tables if missing (CREATE … IF NOT EXISTS);
   * false when deploy/clickhouse's SQL made them and the user may not create
   * tables (`CLICKHOUSE_MANAGE_SCHEMA=false`). Default true.
   */
  readonly manageSchema?: boolean;
  /** After each chunk is written. */
  readonly onProgress?: (progress: ScoringProgress) => void;
  /** Stops after the chunk being scored; the job stays resumable. */
  readonly signal?: AbortSignal;
  /** Default `Date.now`. */
  readonly now?: () => number;
}

/** Where a job stands. */
export interface ScoringProgress {
  readonly jobId: string;
  /** Departures in the source. */
  readonly totalRows: number;
  /** Rows in the result table: written by earlier runs and this one. */
  readonly doneRows: number;
  /** Of those, written by this run. */
  readonly scoredRows: number;
  readonly elapsedMs: number;
}

/** What a run did. */
export interface ScoringResult extends ScoringProgress {
  readonly modelName: string;
  readonly modelVersion: number;
  /** `complete`, or `stopped` when the signal ended the run early (resumable). */
  readonly status: 'complete' | 'stopped';
  /** The job had completed before this run: nothing was scored. */
  readonly alreadyComplete: boolean;
  /** Rows earlier runs had written. */
  readonly resumedRows: number;
  /** Rows of chunks an earlier run left incomplete, removed and scored again. */
  readonly repairedRows: number;
  /** Rows this run scored per second of its wall time. */
  readonly rowsPerSecond: number;
  /**
   * Time this run spent in each stage, ms: reading feature rows and writing
   * scores (each summed over its reads or chunks), and running the model
   * (while any run was in the workers' hands). The stages overlap (a chunk
   * is scored while the next one's features are read), so the sum may
   * exceed the wall time.
   */
  readonly stageMs: { readonly features: number; readonly model: number; readonly write: number };
}

/** `flight-delay-v7-<12 hex>`: a job per model version and source identity, so the same command resumes the same job. */
export function defaultJobId(model: Pick<ScoringModel, 'modelName' | 'version'>, sourceIdentity: string): string {
  return `${model.modelName}-v${model.version}-${createHash('sha256').update(sourceIdentity).digest('hex').slice(0, 12)}`;
}

interface PreparedRows {
  readonly departures: readonly Departure[];
  /** Row-major float32, the model's feature order. */
  readonly rows: Float32Array;
}

/**
 * Scores every departure of a source with one model version and writes the
 * scores to the scoring store, as a job that survives being killed.
 *
 * Features are the trainer's point-in-time rows (`flightTrainingSet` of
 * @tributary/features: the airports' and the route's snapshots as of each
 * departure, and the flight's attributes), read `readRows` departures at a
 * time; each chunk of a read runs in the serving plane's ONNX worker pool,
 * split across the workers, and is written in one INSERT. The next read's
 * features are fetched while one read's chunks are scored, and a chunk is
 * written while the next is scored.
 *
 * A job is recorded `running` before its first chunk and `complete` after its
 * last. Run again after a crash (same job id), it removes a chunk whose write
 * was cut short, skips every event id already written, and numbers its chunks
 * after the last one used: each departure ends up exactly once in the table.
 *
 * @throws EmptyScoringWindowError when the source has no departure (no job is recorded).
 * @throws ScoringJobMismatchError when `jobId` names a job of another model version or source.
 */
export async function scoreFlights(options: ScoreFlightsOptions): Promise<ScoringResult> {
  const { source, model, features, store, pool, chunkRows = 20_000, batchRows = 1_000, threshold = 0.5, onProgress, signal, now = Date.now } = options;
  const readRows = Math.max(options.readRows ?? 100_000, chunkRows);
  const started = now();
  const sourceIdentity = await source.identity();
  const jobId = options.jobId ?? defaultJobId(model, sourceIdentity);
  const modelSpec = options.modelSpec ?? `${model.modelName}@${model.version}`;
  // Counting the departures is one of the slower queries: it runs while the job's state is read.
  const counting = source.count();
  counting.catch(() => undefined); // awaited below
  if (options.manageSchema !== false) await store.ensureSchema();
  const existing = await store.getJob(jobId);
  if (existing) checkSameJob(existing, model, sourceIdentity);
  const stageMs = { features: 0, model: 0, write: 0 };
  const timed = async <T>(stage: keyof typeof stageMs, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      stageMs[stage] += performance.now() - start;
    }
  };
  // The model stage is busy while any run is in the workers' hands: chunks overlap, so their own spans would count twice.
  let runsInHand = 0;
  let busySince = 0;
  const modelBusy = <T>(run: Promise<T>): Promise<T> => {
    if (runsInHand++ === 0) busySince = performance.now();
    return run.finally(() => {
      if (--runsInHand === 0) stageMs.model += performance.now() - busySince;
    });
  };
  const summary = (fields: Pick<ScoringResult, 'status' | 'alreadyComplete' | 'doneRows' | 'scoredRows' | 'resumedRows' | 'repairedRows' | 'totalRows'>): ScoringResult => {
    const elapsedMs = now() - started;
    return { jobId, modelName: model.modelName, modelVersion: model.version, elapsedMs, rowsPerSecond: fields.scoredRows / Math.max(elapsedMs / 1000, 1e-3), stageMs, ...fields };
  };
  if (existing?.status === 'complete') {
    await counting.catch(() => undefined);
    return summary({ status: 'complete', alreadyComplete: true, totalRows: existing.rows, doneRows: existing.rows, scoredRows: 0, resumedRows: existing.rows, repairedRows: 0 });
  }

  const key = `${model.modelName}@${model.version}`;
  // The model loads in the workers while the departures are counted and the job's progress is read.
  const loading = pool.load(key, model.artifact);
  loading.catch(() => undefined); // awaited below
  try {
    const totalRows = await counting;
    if (totalRows === 0) throw new EmptyScoringWindowError(source.description);
    const job: ScoringJob = existing ?? {
      jobId,
      modelName: model.modelName,
      modelVersion: model.version,
      modelSpec,
      source: source.description,
      sourceIdentity,
      status: 'running',
      rows: 0,
      startedAtMs: started,
      updatedAtMs: started,
    };
    if (!existing) await store.putJob(job);
    const resumed = await store.resume(jobId);
    const done = resumed.scoredEventIds;
    const resumedRows = done.size;
    let nextChunk = resumed.nextChunk;
    let scoredRows = 0;

    const prepare = async (departures: readonly Departure[]): Promise<PreparedRows> => {
      const flights = departures.map((d) => d.flight);
      const set = await timed('features', () => flightTrainingSet(features, flights, new Float64Array(flights.length)));
      const width = set.columns.length;
      const rows = new Float32Array(departures.length * width);
      set.columns.forEach((column, f) => {
        for (let r = 0; r < departures.length; r++) rows[r * width + f] = column[r] as number;
      });
      return { departures, rows };
    };
    const score = async ({ departures, rows }: PreparedRows): Promise<ScoredRow[]> => {
      const width = rows.length / departures.length;
      const runs: Promise<Float64Array>[] = [];
      for (let start = 0; start < departures.length; start += batchRows) {
        const count = Math.min(batchRows, departures.length - start);
        // slice(): the pool transfers each run's buffer to its worker.
        runs.push(modelBusy(pool.run(key, rows.slice(start * width, (start + count) * width), count)).then((result) => result.probabilities));
      }
      const probabilities = (await Promise.all(runs)).flatMap((run) => Array.from(run));
      return departures.map((d, r) => {
        const probability = probabilities[r] as number;
        return { eventId: d.eventId, probability, prediction: probability >= threshold ? 1 : 0 };
      });
    };
    let writing: Promise<void> = Promise.resolve();
    const write = async (rows: ScoredRow[]): Promise<void> => {
      await timed('write', () => store.insertChunk({ jobId, chunk: nextChunk++, modelName: model.modelName, modelVersion: model.version, scoredAtMs: now(), rows }));
      scoredRows += rows.length;
      onProgress?.({ jobId, totalRows, doneRows: resumedRows + scoredRows, scoredRows, elapsedMs: now() - started });
    };
    /**
     * A read's rows, chunk by chunk: each chunk is written while the next is
     * scored, and the next chunk's runs are queued before this one's are
     * awaited, so a worker that finishes its share of a chunk early goes on
     * with the next instead of waiting for the other workers.
     */
    const scoreRead = async ({ departures, rows }: PreparedRows): Promise<void> => {
      await loading; // the first read's features are fetched while the model loads
      const width = rows.length / departures.length;
      const scoreChunk = (start: number) => {
        const end = Math.min(start + chunkRows, departures.length);
        const scoring = score({ departures: departures.slice(start, end), rows: rows.subarray(start * width, end * width) });
        scoring.catch(() => undefined); // awaited in turn below, or dropped with its chunk when the job is stopped
        return scoring;
      };
      let ahead = scoreChunk(0);
      for (let start = 0; start < departures.length && !signal?.aborted; start += chunkRows) {
        const current = ahead;
        if (start + chunkRows < departures.length) ahead = scoreChunk(start + chunkRows);
        const scored = await current;
        await writing;
        writing = write(scored);
        writing.catch(() => undefined); // awaited before the next write and at the end
      }
      await ahead.catch(() => undefined); // a chunk scored past a stop is not written; nothing outlives the run
    };

    onProgress?.({ jobId, totalRows, doneRows: resumedRows, scoredRows: 0, elapsedMs: now() - started });
    let reading: Promise<PreparedRows> | undefined;
    // The first read is small (a few runs per worker), so the model starts early; the larger reads after it are fetched while chunks are scored.
    for await (const departures of unscored(source, done, Math.min(chunkRows, 4 * batchRows * pool.size), readRows)) {
      if (signal?.aborted) break;
      const next = prepare(departures);
      next.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled meanwhile
      if (reading) await scoreRead(await reading);
      reading = next;
    }
    if (reading && !signal?.aborted) await scoreRead(await reading);
    // Stopped: the read ahead is dropped, but its query is let finish so nothing outlives the run.
    if (signal?.aborted) await reading?.catch(() => undefined);
    await writing;

    if (signal?.aborted) {
      return summary({ status: 'stopped', alreadyComplete: false, totalRows, doneRows: resumedRows + scoredRows, scoredRows, resumedRows, repairedRows: resumed.removedRows });
    }
    const { rows } = await store.countRows(jobId);
    await store.putJob({ ...job, status: 'complete', rows, updatedAtMs: Math.max(now(), job.updatedAtMs + 1) });
    return summary({ status: 'complete', alreadyComplete: false, totalRows: rows, doneRows: rows, scoredRows, resumedRows, repairedRows: resumed.removedRows });
  } finally {
    await loading.catch(() => undefined);
    await pool.unload(key);
  }
}

function checkSameJob(job: ScoringJob, model: ScoringModel, sourceIdentity: string): void {
  if (job.modelName !== model.modelName || job.modelVersion !== model.version) {
    throw new ScoringJobMismatchError(job.jobId, `scores with ${job.modelName} v${job.modelVersion}, not ${model.modelName} v${model.version}`);
  }
  if (job.sourceIdentity !== sourceIdentity) throw new ScoringJobMismatchError(job.jobId, `reads ${job.source}, not this source`);
}

/** The source's departures not in `done`, each event id once: `firstSize`, then `size` at a time. */
async function* unscored(source: DepartureSource, done: Set<string>, firstSize: number, size: number): AsyncGenerator<Departure[]> {
  let wanted = firstSize;
  let chunk: Departure[] = [];
  for await (const page of source.departures()) {
    for (const departure of page) {
      if (done.has(departure.eventId)) continue;
      done.add(departure.eventId);
      chunk.push(departure);
      if (chunk.length >= wanted) {
        yield chunk;
        chunk = [];
        wanted = size;
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}
