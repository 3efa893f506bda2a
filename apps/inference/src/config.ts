import {
  booleanSchema,
  consumerGroupEnv,
  envVar,
  kafkaConsumerEnv,
  kafkaEnv,
  keyPrefixEnv,
  namespaceEnv,
  portSchema,
  positiveIntSchema,
  redisEnv,
  registryClientEnv,
  serviceBaseEnv,
  textSchema,
  topicNameEnv,
  urlSchema,
  type ConfigOf,
} from '@tributary/config';
import { topics } from '@tributary/kafka';
import type { RuleThreshold } from '@tributary/serving';

/** A number ≥ 0, e.g. a delay in ms that may be 0. */
const nonNegativeNumberSchema = textSchema.transform(Number).refine((value) => Number.isFinite(value) && value >= 0, 'not a number ≥ 0');

/** A share or probability in [0, 1]. */
const unitIntervalSchema = textSchema.transform(Number).refine((value) => Number.isFinite(value) && value >= 0 && value <= 1, 'not a number in [0, 1]');

/** Comma-separated names, none blank. */
const nameListSchema = textSchema
  .transform((text) => text.split(',').map((name) => name.trim()))
  .refine((names) => names.every((name) => name !== ''), 'a blank name in the list');

/** The rules tier's thresholds as JSON: `[{"feature": "...", "atLeast": 0.5, "probability": 0.6}, ...]`. */
const rulesSchema = textSchema
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'not JSON' });
      return [];
    }
  })
  .refine(
    (rules): rules is RuleThreshold[] =>
      Array.isArray(rules) &&
      rules.every(
        (rule: Record<string, unknown>) =>
          typeof rule === 'object' &&
          rule !== null &&
          typeof rule['feature'] === 'string' &&
          typeof rule['atLeast'] === 'number' &&
          typeof rule['probability'] === 'number' &&
          rule['probability'] >= 0 &&
          rule['probability'] <= 1,
      ),
    'not a list of {feature, atLeast, probability in [0, 1]}',
  )
  .transform((rules) => rules as RuleThreshold[]);

const ms = (name: string, description: string, defaultValue: string) =>
  envVar({ name, description, expected: 'a whole number of milliseconds ≥ 1', schema: positiveIntSchema, default: defaultValue });

/**
 * The inference service's environment. Ports default to 15055 (gRPC:
 * tributary.v1 and KServe v2), 8055 (REST) and 9468 (ops), so it runs beside
 * the other services on one host without settings.
 */
export const inferenceConfigSchema = {
  ...serviceBaseEnv({ grpcPort: 15_055, opsPort: 9468 }),
  // The namespace itself: the lifecycle group of a process without INFERENCE_LIFECYCLE_GROUP_ID is made up at start.
  ...namespaceEnv(),
  rest: {
    host: envVar({ name: 'REST_HOST', description: 'Address the REST server (KServe v2 REST, /v1/predictions) binds.', expected: 'a host name or IP address', schema: textSchema, default: '0.0.0.0' }),
    port: envVar({ name: 'REST_PORT', description: 'Port of the REST server; 0 picks a free one.', expected: 'an integer 0–65535', schema: portSchema, default: '8055' }),
    bodyLimitBytes: envVar({
      name: 'REST_BODY_LIMIT_BYTES',
      description: 'Largest REST request body accepted (413 beyond), in bytes.',
      expected: 'a whole number of bytes ≥ 1',
      schema: positiveIntSchema,
      default: String(4 * 1024 * 1024),
    }),
  },
  kafka: { ...kafkaEnv({ clientId: 'inference' }), ...kafkaConsumerEnv() },
  redis: redisEnv(),
  registry: registryClientEnv(),
  serving: {
    models: envVar({ name: 'INFERENCE_MODELS', description: 'Models served, comma-separated.', expected: 'comma-separated model names', schema: nameListSchema, default: 'flight-delay' }),
    defaultDeadlineMs: ms('INFERENCE_DEFAULT_DEADLINE_MS', 'Deadline of a request that sets none (gRPC deadline, REST `timeout` parameter), in ms.', '1000'),
    maxRowsPerRequest: envVar({
      name: 'INFERENCE_MAX_ROWS_PER_REQUEST',
      description: 'Most rows one ModelInfer or PredictBatch request may carry (INVALID_ARGUMENT beyond).',
      expected: 'a whole number ≥ 1',
      schema: positiveIntSchema,
      default: '10000',
    }),
    // One: on a 2-core pod the event loop, not ONNX Runtime, is the bottleneck, and a second worker's wake-ups take its core
    // (measured: 28–31 % more single-row calls/s with one worker than with two, PredictBatch 12–33 % more, p50 alike).
    workers: envVar({
      name: 'INFERENCE_WORKERS',
      description: 'Worker threads running ONNX Runtime sessions; raise it when the models, not the event loop, keep the cores busy.',
      expected: 'a whole number ≥ 1',
      schema: positiveIntSchema,
      default: '1',
    }),
    maxBatchSize: envVar({ name: 'INFERENCE_MAX_BATCH_SIZE', description: 'Rows one model run takes at most (micro-batching).', expected: 'a whole number ≥ 1', schema: positiveIntSchema, default: '64' }),
    maxQueueDelayMs: envVar({
      name: 'INFERENCE_MAX_QUEUE_DELAY_MS',
      description: 'While every worker is busy, how long queued rows wait for one to free up before a batch is handed to a worker anyway (behind its current run), in ms; 0 waits for a free worker. A row that finds a worker idle runs at once.',
      expected: 'a number of milliseconds ≥ 0',
      schema: nonNegativeNumberSchema,
      default: '1',
    }),
    maxQueuedRows: envVar({
      name: 'INFERENCE_MAX_QUEUED_ROWS',
      description: 'Rows queued per model version beyond which requests are shed with RESOURCE_EXHAUSTED (HTTP 429).',
      expected: 'a whole number ≥ 1',
      schema: positiveIntSchema,
      default: '1024',
    }),
    maxInFlightRequests: envVar({
      name: 'INFERENCE_MAX_IN_FLIGHT',
      description:
        'Calls the service works on at once, over every protocol (a PredictBatch or ModelInfer call counts once; its rows are bounded by INFERENCE_MAX_QUEUED_ROWS); beyond it a call is shed at once with RESOURCE_EXHAUSTED (HTTP 429), so an overloaded service answers what it accepted within its deadlines instead of letting every request time out.',
      expected: 'a whole number ≥ 1',
      schema: positiveIntSchema,
      default: '256',
    }),
    loopDelayTurns: envVar({
      name: 'INFERENCE_LOOP_DELAY_TURNS',
      description:
        'Admission by the event loop\'s delay: a call is shed at once with RESOURCE_EXHAUSTED (HTTP 429) when the loop runs so late that this many of its turns would outlast the call\'s deadline (an overloaded loop leaves requests unread in socket buffers, where no queue sees them). 0 turns it off.',
      expected: 'a number ≥ 0',
      schema: nonNegativeNumberSchema,
      default: '8',
    }),
    canaryShare: envVar({
      name: 'INFERENCE_CANARY_SHARE',
      description: 'Share of champion traffic routed to challenger (when loaded), sticky per entity.',
      expected: 'a number in [0, 1]',
      schema: unitIntervalSchema,
      default: '0',
    }),
    shadow: envVar({
      name: 'INFERENCE_SHADOW',
      description: 'Whether the shadow version (when loaded) scores a copy of each request off the response path, only logged.',
      expected: 'true or false',
      schema: booleanSchema,
      default: 'true',
    }),
    onlineStoreBudgetMs: ms('INFERENCE_ONLINE_STORE_BUDGET_MS', 'Longest online feature read before declared defaults are used, in ms.', '25'),
    primaryBudgetMs: ms('INFERENCE_PRIMARY_BUDGET_MS', 'Longest the primary model may take, queue included, before the fallback model answers, in ms.', '50'),
    fallbackBudgetMs: ms('INFERENCE_FALLBACK_BUDGET_MS', 'Longest the fallback model may take before the rules answer, in ms.', '25'),
    breakerResetMs: ms('INFERENCE_BREAKER_RESET_MS', 'How long an open breaker fails fast before a half-open probe, in ms.', '5000'),
    rules: envVar({
      name: 'INFERENCE_RULES',
      description: 'Rules tier thresholds, tried in order, as JSON [{"feature", "atLeast", "probability"}]; unset keeps the built-in ones (origin late share).',
      expected: 'a JSON list of {feature, atLeast, probability}',
      schema: rulesSchema,
      optional: true,
    }),
    defaultProbability: envVar({
      name: 'INFERENCE_DEFAULT_PROBABILITY',
      description: 'Probability the default tier answers when nothing else can.',
      expected: 'a number in [0, 1]',
      schema: unitIntervalSchema,
      default: '0.2',
    }),
    threshold: envVar({ name: 'INFERENCE_THRESHOLD', description: 'Probability at or above which the predicted class is 1.', expected: 'a number in [0, 1]', schema: unitIntervalSchema, default: '0.5' }),
    pollIntervalMs: ms('INFERENCE_POLL_INTERVAL_MS', 'How often the registry is polled for alias moves (safety net behind model.lifecycle), in ms.', '30000'),
    drainTimeoutMs: ms('INFERENCE_DRAIN_TIMEOUT_MS', 'How long a replaced version keeps serving requests already routed to it, in ms.', '5000'),
    lifecycleTopic: topicNameEnv('INFERENCE_LIFECYCLE_TOPIC', 'Topic of the registry lifecycle events that trigger a hot swap.', topics.modelLifecycle.name),
    predictionsTopic: topicNameEnv('INFERENCE_PREDICTIONS_TOPIC', 'Topic every served prediction is logged to.', topics.predictionsLogged.name),
    dlqTopic: topicNameEnv('INFERENCE_DLQ_TOPIC', 'Dead-letter topic of model.lifecycle records the lifecycle consumer cannot read.', topics.eventsDlq.name),
    lifecycleGroupId: envVar({
      name: 'INFERENCE_LIFECYCLE_GROUP_ID',
      description: 'Consumer group of the lifecycle consumer; every replica needs its own. Unset: a fresh one per process, inference-<uuid> (in the namespace).',
      expected: 'non-blank text',
      schema: textSchema,
      optional: true,
    }),
    featuresPrefix: keyPrefixEnv('FEATURES_REDIS_PREFIX', "Prefix of the feature pipeline's online feature hashes in REDIS_URL.", 'features'),
  },
  streaming: {
    enabled: envVar({
      name: 'INFERENCE_STREAMING',
      description: 'Whether this instance also scores every flight.departed of events.validated to predictions.scored, exactly once, through the same pipeline.',
      expected: 'true or false',
      schema: booleanSchema,
      default: 'false',
    }),
    eventsTopic: topicNameEnv('INFERENCE_STREAMING_EVENTS_TOPIC', 'Topic the streaming scorer reads flight.departed events from.', topics.eventsValidated.name),
    scoredTopic: topicNameEnv('INFERENCE_STREAMING_SCORED_TOPIC', 'Topic the streaming scorer writes its answers to, in Kafka transactions (read it read_committed).', topics.predictionsScored.name),
    dlqTopic: topicNameEnv('INFERENCE_STREAMING_DLQ_TOPIC', 'Dead-letter topic of events the pipeline refuses as invalid.', topics.eventsDlq.name),
    groupId: consumerGroupEnv(
      'INFERENCE_STREAMING_GROUP_ID',
      'Consumer group of the streaming scorer, shared by every replica; also the prefix of its transactional ids.',
      'streaming-scorer',
    ),
    deadlineMs: ms('INFERENCE_STREAMING_DEADLINE_MS', 'Deadline of each streaming scoring attempt, as a Predict call\'s, in ms.', '1000'),
    maxBatchSize: envVar({
      name: 'INFERENCE_STREAMING_MAX_BATCH_SIZE',
      description: 'Events scored together and committed in one Kafka transaction, at most.',
      expected: 'a whole number ≥ 1',
      schema: positiveIntSchema,
      default: '256',
    }),
  },
  cache: {
    enabled: envVar({ name: 'INFERENCE_CACHE', description: 'Whether predictions are cached by model version and input.', expected: 'true or false', schema: booleanSchema, default: 'true' }),
    redisUrl: envVar({
      name: 'CACHE_REDIS_URL',
      description: 'Redis of the prediction cache (its own instance in deploy/), one server or a Redis Cluster as REDIS_URL takes it; unset uses REDIS_URL.',
      expected: 'a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL',
      schema: urlSchema(['redis:', 'rediss:', 'redis+cluster:', 'rediss+cluster:']),
      optional: true,
    }),
    prefix: keyPrefixEnv('INFERENCE_CACHE_PREFIX', 'Key prefix of the prediction cache.', 'tributary:predictions'),
    ttlMs: ms('INFERENCE_CACHE_TTL_MS', 'How long a cached prediction lives, in ms.', '600000'),
  },
};

/** The inference service's loaded configuration. */
export type InferenceConfig = ConfigOf<typeof inferenceConfigSchema>;
