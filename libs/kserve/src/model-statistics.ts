import { create, type JsonObject } from '@bufbuild/protobuf';
import { ModelStatisticsSchema, type ModelStatistics } from '@tributary/contracts';
import type { ServedModelStatus, StatisticDuration } from '@tributary/serving';

/**
 * Triton's ModelStatistics of the served versions: of one model (and
 * version), or of every model when `name` is empty. Counts come from the
 * pipeline's own statistics of each loaded version (since it was loaded).
 */
export function modelStatistics(models: readonly ServedModelStatus[], name = '', version = ''): ModelStatistics[] {
  const duration = (d: StatisticDuration) => ({ count: BigInt(d.count), ns: BigInt(Math.round(d.ns)) });
  return models
    .filter((model) => name === '' || model.name === name)
    .flatMap((model) =>
      model.versions
        .filter((v) => version === '' || String(v.version) === version)
        .map(({ version: v, statistics: s }) =>
          create(ModelStatisticsSchema, {
            name: model.name,
            version: String(v),
            lastInference: BigInt(Math.floor(s.lastInferenceMs)),
            inferenceCount: BigInt(s.inferenceCount),
            executionCount: BigInt(s.executionCount),
            inferenceStats: {
              success: duration(s.success),
              fail: duration(s.fail),
              queue: duration(s.queue),
              computeInfer: duration(s.computeInfer),
              cacheHit: duration(s.cacheHit),
              cacheMiss: duration(s.cacheMiss),
            },
            batchStats: [...s.batches].map(([batchSize, run]) => ({ batchSize: BigInt(batchSize), computeInfer: duration(run) })),
          }),
        ),
    );
}

/** Statistics as Triton's REST `/stats` body: `{model_stats: [...]}` with proto field names and plain numbers. */
export function modelStatisticsJson(stats: readonly ModelStatistics[]): JsonObject {
  const duration = (d: { count: bigint; ns: bigint } | undefined) => ({ count: Number(d?.count ?? 0n), ns: Number(d?.ns ?? 0n) });
  return {
    model_stats: stats.map((s) => ({
      name: s.name,
      version: s.version,
      last_inference: Number(s.lastInference),
      inference_count: Number(s.inferenceCount),
      execution_count: Number(s.executionCount),
      inference_stats: {
        success: duration(s.inferenceStats?.success),
        fail: duration(s.inferenceStats?.fail),
        queue: duration(s.inferenceStats?.queue),
        compute_input: duration(s.inferenceStats?.computeInput),
        compute_infer: duration(s.inferenceStats?.computeInfer),
        compute_output: duration(s.inferenceStats?.computeOutput),
        cache_hit: duration(s.inferenceStats?.cacheHit),
        cache_miss: duration(s.inferenceStats?.cacheMiss),
      },
      batch_stats: s.batchStats.map((b) => ({ batch_size: Number(b.batchSize), compute_infer: duration(b.computeInfer) })),
    })),
  };
}
