import { randomUUID } from 'node:crypto';
import { inNamespace } from '@tributary/config';
import { GRPCInferenceService, InferenceService, ModelRegistryService } from '@tributary/contracts';
import { createOnlineStore, flightFeatureSet } from '@tributary/features';
import { clientSecurityOptions, createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { createKafkaClient } from '@tributary/kafka';
import { createGrpcRegistryClient, type RegistryClient } from '@tributary/model-registry/client';
import { createRedisConnection, packageVersion, startServiceHost, type ServiceContext } from '@tributary/runtime';
import { createServingPipeline, createStreamingScorer, type FaultInjector, type ServingPipeline, type StreamingScorer } from '@tributary/serving';
import type { InferenceConfig } from './config.js';
import { createKserveServiceImpl } from './kserve-service.js';
import { createPredictServiceImpl } from './predict-service.js';
import { createRestServer } from './rest-server.js';

/** What an in-process starter of inference (a test) may put in place, beside the {@link ServiceContext}. */
export interface InferenceOverrides {
  /** Where versions, aliases and artifacts come from. Default: a gRPC client of REGISTRY_ADDRESS. */
  readonly registry?: RegistryClient;
  /** Test-only faults for the primary model (`@tributary/serving/testing`). Default: none. */
  readonly faults?: FaultInjector;
}

/** Where the started service listens, and its pipeline (for in-process tests). */
export interface RunningInference {
  readonly grpcPort: number;
  readonly opsPort: number;
  readonly restPort: number;
  readonly pipeline: ServingPipeline;
  /** The streaming scorer, when INFERENCE_STREAMING is on. */
  readonly scorer?: StreamingScorer;
}

const SERVER_NAME = 'tributary-inference';
const version = packageVersion(import.meta.url);

/**
 * Opens the service in dependency order, registering each close as it opens:
 * Redis (online features; the cache's own when CACHE_REDIS_URL is set), the
 * registry channel, the serving pipeline (loads what the aliases point at,
 * starts workers, the lifecycle consumer and the log producer), the
 * streaming scorer when INFERENCE_STREAMING is on, then the ops and gRPC
 * servers (tributary.v1 and KServe v2) and the REST server. Ready once the
 * pipeline has a ready champion of every served model (and the scorer has
 * started). On SIGTERM: REST and gRPC stop taking requests and drain, the
 * scorer commits what it scored and leaves its group, then the pipeline
 * drains and flushes its logs, then the clients close.
 */
export async function startInference(context: ServiceContext<InferenceConfig>, overrides: InferenceOverrides = {}): Promise<RunningInference> {
  const { config, lifecycle, logger } = context;
  const serving = config.serving;

  // A Redis outage is served around (request features, defaults, no cache): commands fail at once instead of queuing.
  const openRedis = async (url: string, name: string, unreachable: string) => {
    const connection = createRedisConnection({ url, credentials: config.redis, name, logger, lazyConnect: true, maxRetriesPerRequest: 1, offlineQueue: false });
    await connection.connect().catch((error: unknown) => logger.warn({ err: error }, unreachable));
    lifecycle.register(`${name} redis`, () => connection.quit().then(() => undefined, () => connection.disconnect()));
    return connection;
  };
  const redis = await openRedis(config.redis.url, 'features', 'redis unreachable at start; serving without online features until it is back');
  const cacheRedis =
    config.cache.redisUrl === undefined ? redis : await openRedis(config.cache.redisUrl, 'cache', 'cache redis unreachable at start; serving without the cache');

  const kafka = createKafkaClient({ clientId: config.kafka.clientId, brokers: config.kafka.brokers, logger });
  const channel = createGrpcChannel({ address: config.registry.address, ...clientSecurityOptions(config.auth, { tls: config.registry.tls }) });
  lifecycle.register('registry channel', () => channel.close());

  const pipeline = createServingPipeline({
    registry: overrides.registry ?? createGrpcRegistryClient(createGrpcClient(ModelRegistryService, channel), { timeoutMs: 10_000 }),
    models: serving.models,
    onlineStore: createOnlineStore({ redis, featureSet: flightFeatureSet, prefix: serving.featuresPrefix, timeoutMs: serving.onlineStoreBudgetMs }),
    ...(config.cache.enabled ? { cache: { redis: cacheRedis, prefix: config.cache.prefix, ttlMs: config.cache.ttlMs } } : {}),
    kafka: {
      connection: { clientId: config.kafka.clientId, brokers: config.kafka.brokers },
      lifecycleTopic: serving.lifecycleTopic,
      predictionsTopic: serving.predictionsTopic,
      deadLetterTopic: serving.dlqTopic,
      // Every replica hears every alias move, so each has a group of its own.
      groupId: serving.lifecycleGroupId ?? inNamespace(config.namespace, 'consumer-group', `inference-${randomUUID()}`),
    },
    execution: { workers: serving.workers, maxBatchSize: serving.maxBatchSize, maxQueueDelayMs: serving.maxQueueDelayMs, maxQueuedRows: serving.maxQueuedRows, maxInFlightRequests: serving.maxInFlightRequests, loopDelayTurns: serving.loopDelayTurns },
    routing: { canaryShare: serving.canaryShare, shadow: serving.shadow },
    resilience: {
      onlineStoreBudgetMs: serving.onlineStoreBudgetMs,
      primaryBudgetMs: serving.primaryBudgetMs,
      fallbackBudgetMs: serving.fallbackBudgetMs,
      resetTimeoutMs: serving.breakerResetMs,
    },
    ...(serving.rules === undefined ? {} : { rules: { thresholds: serving.rules } }),
    defaultProbability: serving.defaultProbability,
    threshold: serving.threshold,
    pollIntervalMs: serving.pollIntervalMs,
    drainTimeoutMs: serving.drainTimeoutMs,
    logger,
    ...(overrides.faults === undefined ? {} : { faults: overrides.faults }),
  });
  await pipeline.start();
  lifecycle.register('serving pipeline', () => pipeline.close());

  // Opt-in: the scorer shares this pipeline's model slots, workers and breakers; it closes before the pipeline (commits what it scored).
  const streaming = config.streaming;
  const scorer = streaming.enabled
    ? createStreamingScorer({
        pipeline,
        kafka,
        model: serving.models[0] as string,
        eventsTopic: streaming.eventsTopic,
        scoredTopic: streaming.scoredTopic,
        deadLetterTopic: streaming.dlqTopic,
        groupId: streaming.groupId,
        deadlineMs: streaming.deadlineMs,
        maxBatchSize: streaming.maxBatchSize,
        sessionTimeoutMs: config.kafka.sessionTimeoutMs,
        heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
        logger,
      })
    : undefined;
  if (scorer) {
    await scorer.start();
    lifecycle.register('streaming scorer', () => scorer.close());
  }

  const server = { name: SERVER_NAME, version };
  const batching = { maxBatchSize: serving.maxBatchSize, maxQueueDelayMs: serving.maxQueueDelayMs };
  const host = await startServiceHost({
    ...context,
    name: 'inference',
    version,
    checks: { models: () => pipeline.ready(), ...(scorer ? { streaming: () => scorer.running } : {}) },
    registerServices: (grpc) => {
      grpc.register(InferenceService, createPredictServiceImpl({ pipeline, defaultDeadlineMs: serving.defaultDeadlineMs, maxBatchRequests: serving.maxRowsPerRequest }));
      grpc.register(
        GRPCInferenceService,
        createKserveServiceImpl({ pipeline, server, batching, defaultDeadlineMs: serving.defaultDeadlineMs, maxRows: serving.maxRowsPerRequest }),
      );
    },
  });

  const rest = createRestServer({
    pipeline,
    server,
    batching,
    defaultDeadlineMs: serving.defaultDeadlineMs,
    maxRows: serving.maxRowsPerRequest,
    host: config.rest.host,
    port: config.rest.port,
    bodyLimitBytes: config.rest.bodyLimitBytes,
    ...(config.auth.token === undefined ? {} : { authToken: config.auth.token }),
    shutdownTimeoutMs: config.shutdown.timeoutMs,
    logger,
  });
  const restPort = await rest.start();
  lifecycle.register('rest server', () => rest.close());

  logger.info({ grpcPort: host.grpcPort, restPort, opsPort: host.opsPort, models: serving.models, streaming: streaming.enabled }, 'inference serving');
  return { grpcPort: host.grpcPort, opsPort: host.opsPort, restPort, pipeline, ...(scorer ? { scorer } : {}) };
}
