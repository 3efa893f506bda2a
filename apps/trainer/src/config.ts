import {
  clickhouseEnv,
  consumerGroupEnv,
  envVar,
  kafkaEnv,
  positiveIntSchema,
  registryClientEnv,
  serviceBaseEnv,
  textSchema,
  topicNameEnv,
  type ConfigOf,
} from '@tributary/config';
import { topics } from '@tributary/kafka';

/** A number ≥ 0, e.g. a metric margin. */
const nonNegativeNumberSchema = textSchema
  .transform(Number)
  .refine((value) => Number.isFinite(value) && value >= 0, 'not a number ≥ 0');

/** The test fault hooks the trainer knows (see test-fault-hook.ts). */
const testFaultSchema = textSchema.refine((fault) => fault === 'kill-after-registering', 'not a known test fault').transform((fault) => fault as 'kill-after-registering');

const promotionModeSchema = textSchema.refine((mode) => mode === 'perform' || mode === 'request', 'not perform or request').transform((mode) => mode as 'perform' | 'request');

/**
 * The trainer's environment. Ports default to 15054 (gRPC) and 9467 (ops),
 * so it runs beside the other services on one host without settings.
 */
export const trainerConfigSchema = {
  ...serviceBaseEnv({ grpcPort: 15_054, opsPort: 9467 }),
  kafka: kafkaEnv({ clientId: 'trainer' }),
  clickhouse: clickhouseEnv(),
  trainer: {
    requestsTopic: topicNameEnv('TRAINER_REQUESTS_TOPIC', 'Topic of the training requests consumed (and published by RequestTraining).', topics.trainingRequested.name),
    dlqTopic: topicNameEnv('TRAINER_DLQ_TOPIC', 'Dead-letter topic of training requests whose run failed, with the reason in its headers.', topics.eventsDlq.name),
    groupId: consumerGroupEnv('TRAINER_GROUP_ID', 'Kafka consumer group of the training.requested consumer.', 'trainer'),
    sessionTimeoutMs: envVar({
      name: 'TRAINER_SESSION_TIMEOUT_MS',
      description: 'How long the group waits for a trainer that stopped heartbeating (crashed, or killed mid-run) before handing its requests to another, in ms.',
      expected: 'a whole number of milliseconds ≥ 1',
      schema: positiveIntSchema,
      default: '45000',
    }),
    retries: envVar({
      name: 'TRAINER_RETRIES',
      description: 'Runs retried after a retryable failure (e.g. the registry was down) before the request goes to the dead-letter topic.',
      expected: 'a whole number ≥ 1',
      schema: positiveIntSchema,
      default: '2',
    }),
    drainTimeoutMs: envVar({
      name: 'TRAINER_DRAIN_TIMEOUT_MS',
      description: 'On SIGTERM, how long a run that is registering its versions may take to finish, in ms; a run still training is stopped at once and its request delivered again.',
      expected: 'a whole number of milliseconds ≥ 1',
      schema: positiveIntSchema,
      default: '30000',
    }),
    rawEventsTable: envVar({
      name: 'TRAINER_RAW_EVENTS_TABLE',
      description: 'ClickHouse table of raw events (in CLICKHOUSE_DATABASE) the labels are read from.',
      expected: 'a table name',
      schema: textSchema,
      default: 'events_raw',
    }),
    testFault: envVar({
      name: 'TRAINER_TEST_FAULT',
      description:
        'Test fault hook, for tests only (never set it in production): kill-after-registering makes the trainer kill itself with SIGKILL right after a run has registered its versions, before any alias moves.',
      expected: 'kill-after-registering',
      schema: testFaultSchema,
      optional: true,
    }),
  },
  promotion: {
    mode: envVar({
      name: 'PROMOTION_MODE',
      description: 'perform: move champion when the policy is met (approval-gated models stay challenger); request: only log the recommendation.',
      expected: 'perform or request',
      schema: promotionModeSchema,
      default: 'perform',
    }),
    minAucGain: envVar({
      name: 'PROMOTION_MIN_AUC_GAIN',
      description: 'Holdout AUC a new model must gain over the champion to replace it.',
      expected: 'a number ≥ 0',
      schema: nonNegativeNumberSchema,
      default: '0.001',
    }),
    maxBrierIncrease: envVar({
      name: 'PROMOTION_MAX_BRIER_INCREASE',
      description: 'Holdout Brier score a new model may lose against the champion and still replace it.',
      expected: 'a number ≥ 0',
      schema: nonNegativeNumberSchema,
      default: '0.001',
    }),
    maxCalibrationErrorIncrease: envVar({
      name: 'PROMOTION_MAX_CALIBRATION_ERROR_INCREASE',
      description: 'Holdout expected calibration error a new model may lose against the champion and still replace it.',
      expected: 'a number ≥ 0',
      schema: nonNegativeNumberSchema,
      default: '0.01',
    }),
  },
  registry: registryClientEnv(),
};

/** The trainer's loaded configuration. */
export type TrainerConfig = ConfigOf<typeof trainerConfigSchema>;
