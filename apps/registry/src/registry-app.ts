/**
 * The registry service put together: Redis, the ops server, the Kafka
 * producer, the model registry and the gRPC server, each registered with the
 * lifecycle right after it opens so SIGTERM closes them newest first — the
 * gRPC server drains its calls, the registry publishes its last lifecycle
 * events, then the producer, the ops server and Redis close.
 */
import { ModelRegistryService } from '@tributary/contracts';
import { createGrpcServer, serverSecurityOptions } from '@tributary/grpc';
import { createKafkaClient, createProducer, ensureTopics, topics } from '@tributary/kafka';
import { createLocalArtifactStore, createModelRegistry, type ModelRegistry } from '@tributary/model-registry';
import type { Logger } from '@tributary/observability';
import { createOpsServer, createRedisConnection, packageVersion, type Lifecycle } from '@tributary/runtime';
import type { Redis } from 'ioredis';
import { createKafkaLifecyclePublisher } from './kafka-lifecycle-publisher.js';
import type { RegistryConfig } from './registry-config.js';
import { createRegistryService } from './registry-service.js';

/** What {@link startRegistry} needs besides the configuration. */
export interface RegistryAppOptions {
  readonly config: RegistryConfig;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
}

/** The running service, for tests and logs. */
export interface RunningRegistry {
  readonly registry: ModelRegistry;
  readonly grpcPort: number;
  readonly opsPort: number;
}

/** Opens everything the registry needs and starts serving; the lifecycle closes it all. */
export async function startRegistry(options: RegistryAppOptions): Promise<RunningRegistry> {
  const { config, lifecycle, logger } = options;
  const lifecycleTopic = { ...topics.modelLifecycle, name: config.registry.lifecycleTopic };

  const redis = createRedisConnection({ url: config.redis.url, name: 'registry', logger });
  lifecycle.register('redis', async () => {
    await redis.quit();
  });
  await warnUnlessAppendOnly(redis, logger);

  // Up before the rest and closed after it, so probes see "not ready" during the drain rather than nothing.
  const ops = createOpsServer({
    host: config.ops.host,
    port: config.ops.port,
    checks: { lifecycle: lifecycle.readinessCheck, redis: () => redis.ping() },
    version: { name: 'registry', version: packageVersion(import.meta.url) },
    logger,
  });
  const opsPort = await ops.start();
  lifecycle.register('ops server', () => ops.close());

  const kafka = createKafkaClient({ clientId: config.kafka.clientId, brokers: config.kafka.brokers, logger });
  await ensureTopics(kafka, [lifecycleTopic]);
  const producer = createProducer({ kafka, source: '/tributary/registry', logger });
  await producer.start();
  lifecycle.register('kafka producer', () => producer.close());

  const exempt = new Set(config.registry.approvalExemptModels ?? []);
  const registry = createModelRegistry({
    redis,
    keyPrefix: config.registry.keyPrefix,
    artifacts: createLocalArtifactStore({ directory: config.registry.artifactDirectory, maxSizeBytes: config.registry.maxArtifactBytes }),
    publisher: createKafkaLifecyclePublisher({ producer, topic: lifecycleTopic }),
    championRequiresApproval: (modelName) => !exempt.has(modelName),
    logger,
  });
  registry.start();
  lifecycle.register('model registry', () => registry.shutdown());

  const server = createGrpcServer({
    address: `${config.grpc.host}:${config.grpc.port}`,
    shutdownTimeoutMs: config.shutdown.timeoutMs,
    logger,
    ...serverSecurityOptions(config.auth),
  });
  server.register(ModelRegistryService, createRegistryService({ registry }));
  const grpcPort = await server.start();
  lifecycle.register('grpc server', () => server.shutdown());

  lifecycle.markReady();
  logger.info({ grpcPort, opsPort, artifactDirectory: config.registry.artifactDirectory }, 'registry serving');
  return { registry, grpcPort, opsPort };
}

/** The registry's metadata is only as durable as its Redis: say so loudly when AOF is off. */
async function warnUnlessAppendOnly(redis: Redis, logger: Logger): Promise<void> {
  try {
    const [, appendOnly] = (await redis.config('GET', 'appendonly')) as [string, string];
    if (appendOnly !== 'yes') logger.warn('Redis runs without AOF (appendonly no): registry changes since the last snapshot are lost if it crashes');
  } catch (reason) {
    // Managed Redis often forbids CONFIG; durability is then the provider's promise.
    logger.info({ err: reason }, 'could not read the Redis persistence settings');
  }
}
