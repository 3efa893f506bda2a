import {
  DriftReportSchema,
  EventSchema,
  ModelLifecycleEventSchema,
  PredictionLogSchema,
  ScoredEventSchema,
  TrainingRequestSchema,
} from '@tributary/contracts';
import { defineTopic, type TopicDefinition } from './topic.js';
import { createBytesCodec, createProtobufCodec } from './value-codec.js';

const thirtyDaysMs = 30 * 24 * 60 * 60 * 1000;

/**
 * The topic catalogue: every topic of the platform, defined once. Services
 * name topics only through it, so key meaning, schema and settings cannot drift.
 */
export const topics = {
  /** What producers publish: JSON or protobuf bytes, not yet validated (`content-type` says which). */
  eventsRaw: defineTopic({ name: 'events.raw', keyDescription: 'entity id', codec: createBytesCodec() }),
  /** Events that passed validation and deduplication. */
  eventsValidated: defineTopic({ name: 'events.validated', keyDescription: 'entity id', codec: createProtobufCodec(EventSchema) }),
  /** Records any consumer gave up on: original key, value and headers plus `dlq_*` headers. Kept longer, for replay. */
  eventsDlq: defineTopic({ name: 'events.dlq', keyDescription: 'original key', codec: createBytesCodec(), retentionMs: thirtyDaysMs }),
  trainingRequested: defineTopic({ name: 'training.requested', keyDescription: 'model name', codec: createProtobufCodec(TrainingRequestSchema) }),
  modelLifecycle: defineTopic({
    name: 'model.lifecycle',
    keyDescription: 'model name',
    codec: createProtobufCodec(ModelLifecycleEventSchema),
    retentionMs: thirtyDaysMs,
  }),
  predictionsLogged: defineTopic({ name: 'predictions.logged', keyDescription: 'model name', codec: createProtobufCodec(PredictionLogSchema) }),
  /** The streaming scorer's answer to each `flight.departed`, written in Kafka transactions: read it read_committed. */
  predictionsScored: defineTopic({ name: 'predictions.scored', keyDescription: 'event id', codec: createProtobufCodec(ScoredEventSchema) }),
  driftDetected: defineTopic({
    name: 'drift.detected',
    keyDescription: 'model name',
    codec: createProtobufCodec(DriftReportSchema),
    retentionMs: thirtyDaysMs,
  }),
} as const;

/** Every catalogue topic, e.g. for `ensureTopics(admin, allTopics)` at start-up. */
export const allTopics: readonly TopicDefinition<unknown>[] = Object.values(topics);
