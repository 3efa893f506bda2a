/**
 * The batch part of the scoring benchmark: a `tributary score` job — the
 * trainer's point-in-time rows read from ClickHouse a chunk at a time, the
 * flights GBDT in the serving plane's two ONNX workers, the scores written
 * back a chunk per INSERT — beside ONNX Runtime alone in two workers on the
 * same model and the same rows per call, the floor of any batch scorer here.
 *
 * The job scores 19–31 January 2001 (every departure, ≈ 212 000: a job long
 * enough that its fixed start — schema, bookkeeping, the first point-in-time
 * read before any model run — is not most of it) of a database of its own
 * holding the raw events and offline features of 15–31 January, written
 * first and dropped at the end; the model is the inference benchmark's (see
 * flights-gbdt.ts), trained on 1–14 January. The floor is measured right
 * before and right after the job and the two averaged, so both sides see the
 * same machine: the load of a shared one moves by the minute.
 */
import { flightFeatureNames, flightFeatureSet, createOfflineStore } from '@tributary/features';
import { localClickHouse } from '@tributary/infra/testing';
import { createClickHouseDepartureSource, createScoringStore, scoreFlights } from '@tributary/scoring';
import { createOnnxWorkerPool } from '@tributary/serving';
import { writeFlightFixtures } from '@tributary/training/testing';
import { bareOnnxWorkers } from './bare-onnx-workers.js';
import { flightsGbdt } from './flights-gbdt.js';
import type { Measurement } from './results.js';
import type { ScoringBenchPart } from './scoring-bench-part.js';

const day = (d: number) => Date.UTC(2001, 0, d);
const database = 'bench_scoring';
/** Rows per model run, in the job and in the floor alike; chunks are the job's default (20 000 rows). */
const batchRows = 1_000;

/** Measures a batch job and its floor; see the module comment. */
export async function measureBatchScoring(): Promise<Measurement[]> {
  const model = await flightsGbdt();
  const client = localClickHouse({ requestTimeoutMs: 600_000, progressHeaders: true });
  const pool = createOnnxWorkerPool({ workers: 2 });
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    console.log(`writing 15–31 January 2001 into ${database} (raw events and offline features)`);
    await writeFlightFixtures({ client, database, fromMs: day(15), toMs: day(32) });
    const bareBefore = await bareOnnxWorkers(model, { workers: 2, batchRows });
    console.log(`bare onnxruntime, 2 workers, ${batchRows} rows per call, before the job: ${bareBefore.toFixed(0)} rows/s`);
    const source = createClickHouseDepartureSource({ client, database, window: { fromMs: day(19), toMs: day(32) } });
    const store = createScoringStore({ client, database });
    const result = await scoreFlights({
      source,
      model: { modelName: 'flight-delay', version: 1, modelType: 'gbdt', artifact: model.onnx, featureNames: flightFeatureNames(flightFeatureSet) },
      features: createOfflineStore({ client, featureSet: flightFeatureSet, database }),
      store,
      pool,
      batchRows,
      jobId: 'bench',
      onProgress: (p) => console.log(`  ${p.doneRows} / ${p.totalRows} rows`),
    });
    console.log(`batch: ${result.scoredRows} rows in ${(result.elapsedMs / 1000).toFixed(1)} s, ${result.rowsPerSecond.toFixed(0)} rows/s`);
    const bareAfter = await bareOnnxWorkers(model, { workers: 2, batchRows });
    console.log(`bare onnxruntime, 2 workers, ${batchRows} rows per call, after the job: ${bareAfter.toFixed(0)} rows/s`);
    const bare = (bareBefore + bareAfter) / 2;
    const written = await store.countRows('bench');
    return [
      { name: 'batch rows', value: result.scoredRows, unit: 'rows' },
      { name: 'batch rows/s', value: result.rowsPerSecond, unit: 'rows/s' },
      { name: 'bare onnxruntime 2 workers rows/s', value: bare, unit: 'rows/s' },
      { name: 'bare onnxruntime 2 workers rows/s before the job', value: bareBefore, unit: 'rows/s' },
      { name: 'bare onnxruntime 2 workers rows/s after the job', value: bareAfter, unit: 'rows/s' },
      { name: 'batch vs bare onnxruntime ratio', value: result.rowsPerSecond / bare, unit: '', target: '≥ 0.7' },
      { name: 'batch duplicate rows', value: written.rows - written.distinctEventIds, unit: 'rows', target: '0' },
      // Busy time per stage, summed over chunks; they overlap, so their sum may exceed the job's wall time.
      { name: 'batch feature read s', value: result.stageMs.features / 1000, unit: 's' },
      { name: 'batch model run s', value: result.stageMs.model / 1000, unit: 's' },
      { name: 'batch write s', value: result.stageMs.write / 1000, unit: 's' },
      { name: 'batch wall s', value: result.elapsedMs / 1000, unit: 's' },
    ];
  } finally {
    await pool.close();
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await client.close();
  }
}

/** The batch part, for scoring.ts. */
export const batchScoringPart: ScoringBenchPart = { name: 'batch', run: async () => ({ measurements: await measureBatchScoring() }) };
