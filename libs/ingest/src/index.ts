/**
 * @tributary/ingest — the ingestion service's logic, usable without Kafka or
 * gRPC: decode raw records (JSON or protobuf `tributary.v1.Event`), validate
 * them against registered event schemas, drop events whose id was already
 * written (Redis), write the rest to sinks such as the ClickHouse raw table,
 * and say for each record whether it was accepted, a duplicate, or rejected
 * with a reason code. Test doubles live in `@tributary/ingest/testing`.
 */
export { plainIdentifier } from './clickhouse-identifier.js';
export { decodeEvent, wireFormatOf, type DecodeResult, type WireFormat } from './decode-event.js';
export type { ClaimResult, Deduplicator } from './deduplicator.js';
export {
  DeduplicationUnavailableError,
  DuplicateEventSchemaError,
  EventRejectedError,
  InvalidIdentifierError,
  InvalidKeyPrefixError,
  RawEventStoreError,
} from './errors.js';
export type { EventSink } from './event-sink.js';
export {
  defineEventSchema,
  type EventSchemaDefinition,
  type EventTypeSchema,
  type PayloadCase,
  type PayloadCheck,
  type PayloadOf,
} from './event-type-schema.js';
export { iataCode, integerIn, requiredString, requiredTimestamp, type FieldRule, type RequiredStringOptions } from './field-rules.js';
export { flightArrivedSchema, flightDepartedSchema, flightEventSchemas } from './flight-event-schemas.js';
export { ingestMetrics, type IngestMetrics } from './ingest-metrics.js';
export {
  createIngestor,
  type IngestBatchResult,
  type IngestOutcome,
  type Ingestor,
  type IngestorOptions,
  type RawRecord,
} from './ingestor.js';
export { payloadJson } from './payload-json.js';
export {
  createRawEventReader,
  type ArrivedFlight,
  type ArrivedFlightsOptions,
  type RawEventReader,
  type RawEventReaderOptions,
  type RawEventRow,
  type RawEventWindow,
  type RecordedDeparture,
  type RecordedFlight,
} from './raw-event-reader.js';
export { createRawEventStore, type RawEventStore, type RawEventStoreOptions } from './raw-event-store.js';
export { createRedisDeduplicator, type RedisDeduplicatorOptions } from './redis-deduplicator.js';
export { RejectReason, reject, type Rejection } from './rejection.js';
export { createSchemaRegistry, type SchemaRegistry } from './schema-registry.js';
export { createEventValidator, type EventValidator, type EventValidatorOptions, type ValidationResult } from './validate-event.js';
export { validatedEventBytes } from './validated-bytes.js';
