import { readOnnxMetadata } from '@tributary/ml';
import { ModelExecutionError } from './errors.js';
import { createMicroBatcher, type MicroBatcher } from './micro-batcher.js';
import type { ExplainResult, OnnxWorkerPool } from './onnx-worker-pool.js';
import type { ServedFeature } from './served-model-status.js';
import { createVersionStatistics, type VersionStatisticsRecorder } from './version-statistics.js';

/** One model version loaded in every worker, behind its own micro-batcher. */
export interface LoadedVersion {
  readonly modelName: string;
  readonly version: number;
  readonly modelType: string;
  readonly features: readonly ServedFeature[];
  /** Column of each feature name. */
  readonly featureIndex: ReadonlyMap<string, number>;
  readonly batcher: MicroBatcher;
  readonly statistics: VersionStatisticsRecorder;
  /** The version registered as this one's fallback model, when loaded. */
  fallback: LoadedVersion | undefined;
  /** Contributions of one row (in this version's feature order) to its margin, computed in a worker; off the micro-batches. */
  explain(row: Float32Array): Promise<ExplainResult>;
  /** Marks a request as using this version until the returned release is called; draining waits for it. */
  acquire(): () => void;
  /** Waits until no request uses it (or `timeoutMs` passed), then releases its sessions. */
  retire(timeoutMs: number): Promise<void>;
}

/** How versions are loaded: the pool their sessions live in and how they batch. */
export interface VersionLoaderOptions {
  readonly pool: OnnxWorkerPool;
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  readonly maxQueuedRows: number;
}

const WARM_UP_ROWS = 4;
const DRAIN_POLL_MS = 10;

/**
 * Loads an ONNX artifact as `modelName` v`version`: feature order and kinds
 * from its metadata (checked against what the registry declared), a session
 * in every worker, and a warm-up run of all-default rows so the first real
 * request does not pay for lazy initialisation — and a broken model fails
 * here, before any alias points requests at it.
 */
export async function loadVersion(
  loader: VersionLoaderOptions,
  modelName: string,
  version: number,
  artifact: Uint8Array,
  declaredFeatureNames: readonly string[],
): Promise<LoadedVersion> {
  let metadata: ReturnType<typeof readOnnxMetadata>;
  try {
    metadata = readOnnxMetadata(artifact);
  } catch (error) {
    throw new ModelExecutionError(`${modelName} v${version}: the artifact is not a Tributary ONNX model`, { cause: error });
  }
  const names = metadata.features.map((f) => f.name);
  if (declaredFeatureNames.length > 0 && declaredFeatureNames.join('\n') !== names.join('\n')) {
    throw new ModelExecutionError(`${modelName} v${version}: the registry's feature names differ from the ONNX file's`);
  }
  // Missing values stay NaN: both model kinds learned where a missing value goes (tree missing directions, imputed means).
  const features = metadata.features.map((f) => ({ name: f.name, categorical: f.categorical, defaultValue: Number.NaN }));
  const key = `${modelName}@${version}`;
  await loader.pool.load(key, artifact);
  try {
    // One run per worker (the least busy takes each), outside the batcher so its wait estimate starts from real traffic.
    const rows = new Float32Array(WARM_UP_ROWS * features.length).fill(Number.NaN);
    await Promise.all(Array.from({ length: loader.pool.size }, () => loader.pool.run(key, rows.slice(), WARM_UP_ROWS)));
  } catch (error) {
    await loader.pool.unload(key);
    throw new ModelExecutionError(`${modelName} v${version} failed its warm-up run`, { cause: error });
  }
  const statistics = createVersionStatistics();
  const batcher = createMicroBatcher({
    name: `${modelName} v${version}`,
    featureCount: features.length,
    maxBatchSize: loader.maxBatchSize,
    maxQueueDelayMs: loader.maxQueueDelayMs,
    maxQueuedRows: loader.maxQueuedRows,
    maxInFlightBatches: loader.pool.size,
    run: (values, rowCount) => loader.pool.run(key, values, rowCount),
    onBatch: (report) => statistics.batch(report.rowCount, report.computeNs, report.queueNs),
  });
  let active = 0;
  return {
    modelName,
    version,
    modelType: metadata.modelKind,
    features,
    featureIndex: new Map(features.map((f, i) => [f.name, i])),
    batcher,
    statistics,
    fallback: undefined,
    explain: (row) => loader.pool.explain(key, row.slice(), 1),
    acquire() {
      active++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        active--;
      };
    },
    async retire(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while ((active > 0 || batcher.pendingRows > 0) && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
      await loader.pool.unload(key);
    },
  };
}
