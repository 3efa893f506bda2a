/**
 * Worker thread of the bare ONNX Runtime throughput measurement: one session,
 * `batchRows`-row calls back to back until `durationMs` has passed; posts
 * the rows it scored.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createOnnxPredictor } from '@tributary/ml';

/** What the benchmark hands each worker. */
export interface OnnxThroughputWork {
  readonly onnx: Uint8Array;
  /** Row-major float32 rows to score, cycled through. */
  readonly rows: Float32Array;
  readonly featureCount: number;
  readonly batchRows: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

const work = workerData as OnnxThroughputWork;
const predictor = await createOnnxPredictor(work.onnx);
const available = Math.floor(work.rows.length / work.featureCount);
const batches = Array.from({ length: Math.floor(available / work.batchRows) }, (_, b) => ({
  values: work.rows.subarray(b * work.batchRows * work.featureCount, (b + 1) * work.batchRows * work.featureCount),
  rowCount: work.batchRows,
}));
const runFor = async (ms: number): Promise<number> => {
  let rows = 0;
  const until = performance.now() + ms;
  for (let b = 0; performance.now() < until; b = (b + 1) % batches.length) {
    await predictor.predictProba(batches[b] as (typeof batches)[number]);
    rows += work.batchRows;
  }
  return rows;
};
await runFor(work.warmupMs);
parentPort?.postMessage(await runFor(work.durationMs));
await predictor.close();
