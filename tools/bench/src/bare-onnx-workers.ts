/** The floor of every batch throughput: ONNX Runtime alone in worker threads, no queue, no I/O. */
import { Worker } from 'node:worker_threads';
import type { FlightsGbdt } from './flights-gbdt.js';
import type { OnnxThroughputWork } from './onnx-throughput-worker.js';

/** Options of {@link bareOnnxWorkers}. */
export interface BareOnnxWorkersOptions {
  /** Worker threads, each with its own session. Default 2. */
  readonly workers?: number;
  /** Rows per call. Default 100. */
  readonly batchRows?: number;
  /** Measured time after a 2 s warm-up, ms. Default 10 000. */
  readonly durationMs?: number;
}

/** Rows/s of worker threads, each with its own session, scoring `batchRows`-row batches of the model's rows back to back. */
export async function bareOnnxWorkers(model: FlightsGbdt, options: BareOnnxWorkersOptions = {}): Promise<number> {
  const { workers = 2, batchRows = 100, durationMs = 10_000 } = options;
  const url = new URL(import.meta.url.endsWith('.ts') ? './onnx-throughput-worker.ts' : './onnx-throughput-worker.js', import.meta.url);
  const work: OnnxThroughputWork = { onnx: model.onnx, rows: model.rows, featureCount: model.featureNames.length, batchRows, warmupMs: 2_000, durationMs };
  const rows = await Promise.all(
    Array.from({ length: workers }, () => new Promise<number>((done, fail) => {
      const worker = new Worker(url, { workerData: work });
      worker.once('message', (scored: number) => done(scored));
      worker.once('error', fail);
    })),
  );
  return rows.reduce((a, b) => a + b, 0) / (durationMs / 1000);
}
