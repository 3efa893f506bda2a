import type { StatisticDuration, VersionStatistics } from './served-model-status.js';

/** Counts what a loaded version does; `snapshot()` gives the read-only view. */
export interface VersionStatisticsRecorder {
  success(durationNs: number): void;
  fail(durationNs: number): void;
  cacheHit(durationNs: number): void;
  cacheMiss(durationNs: number): void;
  batch(rowCount: number, computeNs: number, queueNs: number): void;
  snapshot(): VersionStatistics;
}

const zero = (): { count: number; ns: number } => ({ count: 0, ns: 0 });

/** A recorder of one version's statistics, in the shape of Triton's ModelStatistics. */
export function createVersionStatistics(): VersionStatisticsRecorder {
  const success = zero();
  const fail = zero();
  const queue = zero();
  const computeInfer = zero();
  const cacheHit = zero();
  const cacheMiss = zero();
  const batches = new Map<number, { count: number; ns: number }>();
  let inferenceCount = 0;
  let executionCount = 0;
  let lastInferenceMs = 0;
  const add = (into: { count: number; ns: number }, ns: number, count = 1) => {
    into.count += count;
    into.ns += ns;
  };
  const copy = (d: StatisticDuration): StatisticDuration => ({ count: d.count, ns: d.ns });

  return {
    success(ns) {
      add(success, ns);
      lastInferenceMs = Date.now();
    },
    fail: (ns) => add(fail, ns),
    cacheHit: (ns) => add(cacheHit, ns),
    cacheMiss: (ns) => add(cacheMiss, ns),
    batch(rowCount, computeNs, queueNs) {
      inferenceCount += rowCount;
      executionCount++;
      add(computeInfer, computeNs);
      add(queue, queueNs, rowCount);
      let bySize = batches.get(rowCount);
      if (!bySize) batches.set(rowCount, (bySize = zero()));
      add(bySize, computeNs);
    },
    snapshot() {
      return {
        success: copy(success),
        fail: copy(fail),
        queue: copy(queue),
        computeInfer: copy(computeInfer),
        cacheHit: copy(cacheHit),
        cacheMiss: copy(cacheMiss),
        inferenceCount,
        executionCount,
        lastInferenceMs,
        batches: new Map([...batches].map(([size, d]) => [size, copy(d)])),
      };
    },
  };
}
