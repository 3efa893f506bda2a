/**
 * In-process predict benchmark (not built, not exported): sequential predict
 * p50/p99 and the throughput of 64 concurrent callers on the spec fixtures'
 * small GBDT, with real worker threads and ONNX Runtime.
 *
 *   npx tsx --conditions=development libs/serving/scripts/predict-bench.ts
 */
import { registryWithChampion, requestMaker, trainFlightModels } from '../src/testing/served-models.fixture.js';
import { createServingPipeline } from '../src/index.js';

const SEQUENTIAL = Number(process.env['BENCH_SEQUENTIAL'] ?? 2_000);
const CONCURRENT_CALLERS = 64;
const CONCURRENT_MS = Number(process.env['BENCH_CONCURRENT_MS'] ?? 5_000);
/** The inference service's defaults (INFERENCE_MAX_QUEUE_DELAY_MS 1, INFERENCE_MAX_BATCH_SIZE 64); batch size 1 turns batching off. */
const MAX_QUEUE_DELAY_MS = Number(process.env['BENCH_MAX_QUEUE_DELAY_MS'] ?? 1);
const MAX_BATCH_SIZE = Number(process.env['BENCH_MAX_BATCH_SIZE'] ?? 64);

async function main(): Promise<void> {
  const { registry } = await registryWithChampion(trainFlightModels());
  const pipeline = createServingPipeline({ registry, execution: { workers: 2, maxQueueDelayMs: MAX_QUEUE_DELAY_MS, maxBatchSize: MAX_BATCH_SIZE }, resilience: { primaryBudgetMs: 50 } });
  try {
    await pipeline.start();
    const request = requestMaker('bench');
    const vector = new Float32Array(33).fill(Number.NaN);
    for (let i = 0; i < 200; i++) await pipeline.predict(request({ vector }, 100));
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const started = performance.now();
      await pipeline.predict(request({ vector }, 100));
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number).toFixed(3);
    let answers = 0;
    const tiers = new Map<string, number>();
    let failures = 0;
    const until = performance.now() + CONCURRENT_MS;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENT_CALLERS }, async () => {
        while (performance.now() < until) {
          try {
            const answer = await pipeline.predict(request({ vector }, 100));
            answers++;
            tiers.set(answer.tier, (tiers.get(answer.tier) ?? 0) + 1);
          } catch {
            failures++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const batches = pipeline.models()[0]?.versions[0]?.statistics;
    console.log(
      JSON.stringify({
        maxQueueDelayMs: MAX_QUEUE_DELAY_MS,
        maxBatchSize: MAX_BATCH_SIZE,
        sequential: { requests: SEQUENTIAL, p50Ms: at(0.5), p99Ms: at(0.99) },
        concurrent64: { answersPerSecond: Math.round(answers / seconds), failures, tiers: Object.fromEntries(tiers) },
        batches,
      }),
    );
  } finally {
    await pipeline.close();
  }
}

await main();
