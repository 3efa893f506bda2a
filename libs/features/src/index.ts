/**
 * @tributary/features — feature definitions as code, an event-time
 * aggregation engine with sliding bucketed windows, the online store (Redis),
 * the offline store (ClickHouse) and point-in-time correct training sets.
 * See README.md for the design: buckets, watermarks, checkpoints.
 */
export {
  count,
  mean,
  shareAtLeast,
  sum,
  type Aggregation,
  type CountAggregation,
  type MeanAggregation,
  type ShareAtLeastAggregation,
  type SumAggregation,
} from './aggregation.js';
export { backfill, type BackfillOptions, type BackfillProgress } from './backfill.js';
export {
  createAggregationEngine,
  type AggregationEngine,
  type AggregationEngineOptions,
  type ApplyOptions,
  type ApplyResult,
  type BucketState,
  type EngineChanges,
  type EngineState,
  type RejectedRecord,
  type RejectionReason,
  type SourcePosition,
} from './aggregation-engine.js';
export {
  FeatureEventRejectedError,
  FeatureReadTimeoutError,
  InvalidFeatureDefinitionError,
  InvalidTrainingSetRequestError,
  OfflineStoreError,
  OnlineStoreError,
  StateOwnershipLostError,
  StateVersionMismatchError,
  UnknownFeatureError,
} from './errors.js';
export { COUNTED_ID_GROUP_MS, countedIdGroupOf } from './counted-event-ids.js';
export type { FeatureEvent, FeatureRecord } from './feature-event.js';
export { createFeatureProcessor, type FeatureProcessor, type FeatureProcessorOptions, type ProcessResult } from './feature-processor.js';
export {
  ENTITY_ID_SEPARATOR,
  bucketMsOf,
  defaultBucketMs,
  defineFeatureSet,
  entityId,
  type DefinitionsOf,
  type EntityTypeOf,
  type FeatureDefinition,
  type FeatureNameOf,
  type FeatureSet,
  type FeatureSetOptions,
} from './feature-set.js';
export type { FeatureSnapshot } from './feature-snapshot.js';
export { createOfflineStore, type OfflineStore, type OfflineStoreOptions } from './offline-store.js';
export {
  createOnlineStore,
  type FeatureVector,
  type OnlineReadOptions,
  type OnlineStore,
  type OnlineStoreOptions,
} from './online-store.js';
export type { TrainingSet, TrainingSetEntities, TrainingSetRequest } from './training-set.js';
export {
  FLIGHT_ATTRIBUTE_NAMES,
  FLIGHT_CATEGORICAL_ATTRIBUTES,
  categoryCode,
  flightAttributes,
  type FlightAtDeparture,
  type FlightAttributeName,
} from './flight-attributes.js';
export { LATE_ARRIVAL_MINUTES, flightFeatureSet } from './flight-features.js';
/** The flight feature set's event sources, as `@tributary/flights` defines them. */
export { FLIGHT_ARRIVED, FLIGHT_DEPARTED } from '@tributary/flights';
export { flightFeatureNames, flightFeatureVector, flightTrainingSet, type FlightTrainingSet } from './flight-vectors.js';
