import { ModelRegistryService } from '@tributary/contracts';
import { createKafkaClient, createProducer, ensureTopics, topics } from '@tributary/kafka';
import { createLocalArtifactStore, createModelRegistry, type ModelRegistry } from '@tributary/model-registry';
import type { Logger } from '@tributary/observability';
import { createRedisConnection, packageVersion, startServiceHost, type ServiceContext } from '@tributary/runtime';
import type { Cluster, Redis } from 'ioredis';
import { createKafkaLifecyclePublisher } from './kafka-lifecycle-publisher.js';
import type { RegistryConfig } from './registry-config.js';
import { createRegistryService } from './registry-service.js';

/** The running service, for tests and logs. */
export interface RunningRegistry {
  readonly registry: ModelRegistry;
  readonly grpcPort: number;
  readonly opsPort: number;
}

/**
 * The registry service put together: Redis, the Kafka producer, the model
 * registry, then the ops and gRPC servers, each registered with the lifecycle
 * right after it opens so SIGTERM closes them newest first — the gRPC server
 * drains its calls, the ops server closes, the registry publishes its last
 * lifecycle events, then the producer and Redis close.
 */
export async function startRegistry(context: ServiceContext<RegistryConfig>): Promise<RunningRegistry> {
  const { config, lifecycle, logger } = context;
  const lifecycleTopic = { ...topics.modelLifecycle, name: config.registry.lifecycleTopic };

  const redis = createRedisConnection({ url: config.redis.url, credentials: config.redis, name: 'registry', logger });
  lifecycle.register('redis', async () => {
    await redis.quit();
  });
  await warnUnlessAppendOnly(redis, logger);

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

  const host = await startServiceHost({
    ...context,
    name: 'registry',
    version: packageVersion(import.meta.url),
    checks: { redis: () => redis.ping() },
    registerServices: (server) => server.register(ModelRegistryService, createRegistryService({ registry })),
  });

  logger.info({ grpcPort: host.grpcPort, opsPort: host.opsPort, artifactDirectory: config.registry.artifactDirectory }, 'registry serving');
  return { registry, grpcPort: host.grpcPort, opsPort: host.opsPort };
}

/** The registry's metadata is only as durable as its Redis: say so loudly when AOF is off. */
async function warnUnlessAppendOnly(redis: Redis | Cluster, logger: Logger): Promise<void> {
  try {
    // On a cluster, every master: the registry's slot may move to any of them.
    for (const server of redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis]) {
      const [, appendOnly] = (await server.config('GET', 'appendonly')) as [string, string];
      if (appendOnly !== 'yes') logger.warn('Redis runs without AOF (appendonly no): registry changes since the last snapshot are lost if it crashes');
    }
  } catch (reason) {
    // Managed Redis often forbids CONFIG; durability is then the provider's promise.
    logger.info({ err: reason }, 'could not read the Redis persistence settings');
  }
}
