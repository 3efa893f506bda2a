import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flightFeatureNames, flightFeatureSet, flightTrainingSet } from '@tributary/features';
import { departedEvent, readFlights, type Flight } from '@tributary/flights';
import { createOnnxWorkerPool, createServingPipeline, type OnnxWorkerPool } from '@tributary/serving';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFlightsParquet } from './testing/flights-parquet.fixture.js';
import { MODEL, createScoringStack, registryWith, uniqueName, type ScoringStack } from './testing/scoring-stack.fixture.js';
import {
  EmptyScoringWindowError,
  ScoringJobMismatchError,
  createClickHouseDepartureSource,
  createParquetDepartureSource,
  createScoringStore,
  parseModelSpec,
  resolveScoringModel,
  scoreFlights,
  type Departure,
  type DepartureSource,
  type ScoringModel,
  type ScoringStore,
} from './index.js';

const T0 = Date.UTC(2001, 2, 5);

describe('scoreFlights() on the local ClickHouse', { timeout: 300_000 }, () => {
  let stack: ScoringStack;
  let pool: OnnxWorkerPool;
  let store: ScoringStore;
  let model: ScoringModel;
  let registry: Awaited<ReturnType<typeof registryWith>>;

  beforeAll(async () => {
    stack = await createScoringStack({ startMs: T0, days: 3, everyNth: 6 });
    registry = await registryWith(stack.onnx, flightFeatureNames(flightFeatureSet));
    model = await resolveScoringModel(registry, parseModelSpec(MODEL));
    pool = createOnnxWorkerPool({ workers: 2 });
    store = createScoringStore({ client: stack.client, database: stack.database });
  }, 600_000);

  afterAll(async () => {
    await pool?.close();
    await stack?.close();
  });

  const source = (window = stack.scoreWindow): DepartureSource => createClickHouseDepartureSource({ client: stack.client, database: stack.database, window });
  const run = (jobId: string, extra: Partial<Parameters<typeof scoreFlights>[0]> = {}) =>
    scoreFlights({ source: source(), model, features: stack.features, store, pool, jobId, chunkRows: 300, readRows: 900, ...extra });
  const rowsOf = async (table: string, jobId: string) => {
    const result = await stack.client.query({
      query: `SELECT event_id, probability, prediction FROM ${stack.database}.${table} WHERE job_id = {job:String}`,
      query_params: { job: jobId },
      format: 'JSONEachRow',
    });
    return result.json<{ event_id: string; probability: number; prediction: number }>();
  };
  const allDepartures = async (): Promise<Departure[]> => {
    const departures: Departure[] = [];
    for await (const page of source().departures()) departures.push(...page);
    return departures;
  };

  it('scores each departure of the window once, with the probability the serving pipeline gives the same row of the same version', async () => {
    const jobId = uniqueName('job');
    const result = await run(jobId);
    const departures = await allDepartures();
    expect(departures.length).toBeGreaterThan(1_000);
    expect(result).toMatchObject({ status: 'complete', alreadyComplete: false, totalRows: departures.length, scoredRows: departures.length, modelVersion: 1 });
    expect(await store.countRows(jobId)).toEqual({ rows: departures.length, distinctEventIds: departures.length });

    const scored = new Map((await rowsOf('batch_scores', jobId)).map((row) => [row.event_id, row]));
    expect(scored.size).toBe(departures.length);
    const set = await flightTrainingSet(stack.features, departures.map((d) => d.flight), new Float64Array(departures.length));
    const pipeline = createServingPipeline({ registry, resilience: { primaryBudgetMs: 5_000, fallbackBudgetMs: 5_000 } });
    await pipeline.start();
    try {
      let worst = 0;
      for (let start = 0; start < departures.length; start += 200) {
        const answers = await Promise.all(
          departures.slice(start, start + 200).map((departure, i) =>
            pipeline.predict({
              model: MODEL,
              version: 1,
              requestId: `online-${start + i}`,
              deadlineAtMs: Date.now() + 30_000,
              vector: Float32Array.from(set.columns, (column) => column[start + i] as number),
            }),
          ),
        );
        answers.forEach((answer, i) => {
          const batch = scored.get((departures[start + i] as Departure).eventId);
          expect(answer.tier).toBe('primary');
          expect(batch?.prediction).toBe(answer.prediction);
          worst = Math.max(worst, Math.abs((batch?.probability ?? Number.NaN) - answer.probability));
        });
      }
      expect(worst).toBeLessThanOrEqual(1e-6);
    } finally {
      await pipeline.close();
    }
  });

  it('resumes a stopped job where it stopped, drops a chunk whose write was cut short, and shows the job to readers only once complete', async () => {
    const jobId = uniqueName('job');
    const stop = new AbortController();
    const first = await run(jobId, { onProgress: (p) => p.scoredRows > 0 && stop.abort(), signal: stop.signal });
    expect(first.status).toBe('stopped');
    const written = await store.countRows(jobId);
    expect(written.rows).toBeGreaterThan(0);
    expect(written.rows).toBeLessThan(first.totalRows);
    expect((await store.getJob(jobId))?.status).toBe('running');
    expect(await rowsOf('batch_scores', jobId)).toEqual([]);

    // A chunk that landed only in part: 5 of the 50 rows it says it has, of departures not scored yet.
    const done = new Set((await rowsOf('batch_score_rows', jobId)).map((row) => row.event_id));
    const unscored = (await allDepartures()).filter((d) => !done.has(d.eventId)).slice(0, 5);
    await stack.client.insert({
      table: `${stack.database}.batch_score_rows`,
      format: 'JSONEachRow',
      values: unscored.map((d) => ({ job_id: jobId, chunk: 999, chunk_rows: 50, model_name: MODEL, model_version: 1, event_id: d.eventId, probability: 0.5, prediction: 1, scored_at: Date.now() })),
    });

    const second = await run(jobId);
    expect(second).toMatchObject({ status: 'complete', resumedRows: written.rows, repairedRows: 5, totalRows: first.totalRows });
    expect(second.scoredRows).toBe(first.totalRows - written.rows);
    expect(await store.countRows(jobId)).toEqual({ rows: first.totalRows, distinctEventIds: first.totalRows });
    const visible = await rowsOf('batch_scores', jobId);
    expect(visible).toHaveLength(first.totalRows);
    expect(visible.filter((row) => unscored.some((d) => d.eventId === row.event_id)).every((row) => row.probability !== 0.5)).toBe(true);

    const third = await run(jobId);
    expect(third).toMatchObject({ status: 'complete', alreadyComplete: true, scoredRows: 0 });
    expect(await store.countRows(jobId)).toEqual({ rows: first.totalRows, distinctEventIds: first.totalRows });
  });

  it('scores the flights of a Parquet file, each once under the id of its departure event', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'scoring-int-'));
    try {
      const flights: Flight[] = [];
      const hour = { fromMs: stack.scoreWindow.fromMs + 8 * 3_600_000, toMs: stack.scoreWindow.fromMs + 9 * 3_600_000 };
      for await (const flight of readFlights(hour)) flights.push(flight);
      const path = join(directory, 'flights.parquet');
      writeFlightsParquet(path, flights);
      const jobId = uniqueName('job');
      const parquet = createParquetDepartureSource({ path, pageSize: 250 });
      const result = await scoreFlights({ source: parquet, model, features: stack.features, store, pool, jobId, chunkRows: 400 });
      expect(result).toMatchObject({ status: 'complete', totalRows: flights.length, scoredRows: flights.length });
      expect(await store.countRows(jobId)).toEqual({ rows: flights.length, distinctEventIds: flights.length });
      const ids = (await rowsOf('batch_scores', jobId)).map((row) => row.event_id).sort();
      expect(ids).toEqual(flights.map((f) => departedEvent(f).eventId).sort());
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('refuses a window without departures and records no job', async () => {
    const jobId = uniqueName('job');
    const empty = source({ fromMs: Date.UTC(2001, 5, 1), toMs: Date.UTC(2001, 5, 2) });
    await expect(scoreFlights({ source: empty, model, features: stack.features, store, pool, jobId })).rejects.toThrow(EmptyScoringWindowError);
    expect(await store.getJob(jobId)).toBeUndefined();
  });

  it('refuses to resume a job with another model version', async () => {
    const jobId = uniqueName('job');
    const stop = new AbortController();
    await run(jobId, { onProgress: (p) => p.scoredRows > 0 && stop.abort(), signal: stop.signal });
    await expect(run(jobId, { model: { ...model, version: 2 } })).rejects.toThrow(ScoringJobMismatchError);
  });
});
