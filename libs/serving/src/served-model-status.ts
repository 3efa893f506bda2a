/** A model input column as served. */
export interface ServedFeature {
  readonly name: string;
  /** Whether the column holds category codes (e.g. `origin_code`) rather than quantities. */
  readonly categorical: boolean;
  /** The value a missing input takes: NaN means "missing", routed as the model learned in training. */
  readonly defaultValue: number;
}

/** Counts and total durations of one kind of event, for Triton's ModelStatistics. */
export interface StatisticDuration {
  readonly count: number;
  /** Total time, in nanoseconds. */
  readonly ns: number;
}

/** What a loaded version has done since it was loaded. */
export interface VersionStatistics {
  /** Requests answered by this version (cache hits included). */
  readonly success: StatisticDuration;
  /** Requests this version failed (the chain then fell back). */
  readonly fail: StatisticDuration;
  /** Time requests waited in the batch queue. */
  readonly queue: StatisticDuration;
  /** Time the model ran, per batch. */
  readonly computeInfer: StatisticDuration;
  readonly cacheHit: StatisticDuration;
  readonly cacheMiss: StatisticDuration;
  /** Rows run by the model. */
  readonly inferenceCount: number;
  /** Batches run by the model. */
  readonly executionCount: number;
  /** When the last request was answered, ms since the epoch; 0 if never. */
  readonly lastInferenceMs: number;
  /** Per batch size: batches run and their model time. */
  readonly batches: ReadonlyMap<number, StatisticDuration>;
}

/** One loaded version of a served model. */
export interface ServedVersionStatus {
  readonly version: number;
  /** Aliases pointing at it now (`champion`, `challenger`, `shadow`); empty for a fallback model. */
  readonly aliases: readonly string[];
  /** `primary` for versions aliases point at, `fallback` for the model registered as their fallback. */
  readonly role: 'primary' | 'fallback';
  /** Loaded and warmed: requests may go to it. */
  readonly ready: boolean;
  /** The model kind its ONNX file declares, e.g. `gbdt`, `logistic-regression`. */
  readonly modelType: string;
  /** Input columns in the order the model reads them. */
  readonly features: readonly ServedFeature[];
  /** Probability at or above which `prediction` is 1. */
  readonly threshold: number;
  /** Largest batch one model run takes. */
  readonly maxBatchSize: number;
  readonly statistics: VersionStatistics;
}

/** A served model and its loaded versions. */
export interface ServedModelStatus {
  readonly name: string;
  /** Loaded versions, newest first. */
  readonly versions: readonly ServedVersionStatus[];
}
