/**
 * @tributary/scoring — batch inference: a window of departed flights (the
 * raw events ingestion stored, or a Parquet file of flights) scored with one
 * model version as a resumable job. Features are the trainer's point-in-time
 * rows from the offline store, the model runs in the serving plane's ONNX
 * worker pool, and scores go to ClickHouse a chunk per INSERT, readable
 * through a view that shows completed jobs only. See README.md.
 */
export { createClickHouseDepartureSource, type ClickHouseDepartureSourceOptions } from './clickhouse-departure-source.js';
export { checkWindow, formatWindow, type Departure, type DepartureSource, type DepartureWindow } from './departure-source.js';
export {
  EmptyScoringWindowError,
  InvalidFlightsFileError,
  InvalidScoringWindowError,
  ModelFeatureMismatchError,
  ModelVersionNotFoundError,
  ScoringAccessDeniedError,
  ScoringJobMismatchError,
  ScoringStoreError,
} from './errors.js';
export { openBatchScoring, type BatchScoring, type BatchScoringOptions } from './open-batch-scoring.js';
export { FLIGHTS_PARQUET_COLUMNS, createParquetDepartureSource, type ParquetDepartureSourceOptions } from './parquet-departure-source.js';
export {
  defaultJobId,
  scoreFlights,
  type FlightFeatureStore,
  type ScoreFlightsOptions,
  type ScoringProgress,
  type ScoringResult,
} from './score-flights.js';
export { DEFAULT_ALIAS, formatModelSpec, parseModelSpec, resolveScoringModel, type ModelSpec, type ScoringModel } from './scoring-model.js';
export {
  SCORING_TABLES,
  createScoringStore,
  type JobProgress,
  type ScoredChunk,
  type ScoredRow,
  type ScoringJob,
  type ScoringStore,
  type ScoringStoreOptions,
} from './scoring-store.js';
