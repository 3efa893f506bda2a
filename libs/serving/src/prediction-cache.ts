import { createHash } from 'node:crypto';
import type { Logger } from '@tributary/observability';
import { createBreaker } from '@tributary/resilience';
import type { PredictionCacheOptions } from './serving-pipeline-options.js';
import { servingMetrics } from './serving-metrics.js';

/** Probabilities by model version and exact input row. */
export interface PredictionCache {
  /** The cached probability, or undefined on a miss, an unhealthy Redis or a slow read (never throws). */
  get(modelName: string, version: number, row: Float32Array): Promise<number | undefined>;
  /** Stores a probability in the background (never throws, never waited for). */
  set(modelName: string, version: number, row: Float32Array, probability: number): void;
  /** Stops the breaker. */
  close(): void;
}

/**
 * A prediction cache in Redis keyed by model version and a sha256 of the
 * exact float32 input row: a new version never sees an old answer, and two
 * rows share an entry only when every value is bit-identical. Reads go
 * through a breaker with a small time budget and are bypassed while the
 * connection is not ready, so an unwell cache costs a request nothing.
 */
export function createPredictionCache(options: PredictionCacheOptions, resilience: { resetTimeoutMs: number }, logger: Logger): PredictionCache {
  const { redis, prefix = 'tributary:predictions', ttlMs = 600_000, budgetMs = 5 } = options;
  const metrics = servingMetrics();
  const keyOf = (modelName: string, version: number, row: Float32Array) =>
    `${prefix}:${modelName}:${version}:${createHash('sha256').update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength)).digest('base64url')}`;
  const read = createBreaker('serving-prediction-cache', (key: string) => redis.get(key), {
    timeoutMs: budgetMs,
    resetTimeoutMs: resilience.resetTimeoutMs,
    logger,
  });

  return {
    async get(modelName, version, row) {
      if (redis.status !== 'ready') {
        metrics.cache.inc({ result: 'bypass' });
        return undefined;
      }
      try {
        const value = await read.fire(keyOf(modelName, version, row));
        metrics.cache.inc({ result: value === null ? 'miss' : 'hit' });
        return value === null ? undefined : Number(value);
      } catch {
        metrics.cache.inc({ result: 'error' });
        return undefined;
      }
    },
    set(modelName, version, row, probability) {
      if (redis.status !== 'ready') return;
      redis.set(keyOf(modelName, version, row), String(probability), 'PX', ttlMs).catch((error: unknown) => {
        logger.debug({ err: error }, 'prediction cache write failed');
      });
    },
    close: () => read.shutdown(),
  };
}
