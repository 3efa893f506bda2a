import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@tributary/observability';
import { Redis, type Cluster } from 'ioredis';
import { createInMemoryLifecyclePublisher } from './in-memory-lifecycle-publisher.js';
import type { LifecyclePublisher } from './lifecycle-publisher.js';
import { createLocalArtifactStore } from './local-artifact-store.js';
import { createModelRegistry, type ModelRegistry, type ModelRegistryOptions } from './model-registry.js';

/** Options of {@link createTestRegistry}. */
export interface TestRegistryOptions {
  /** Default `REDIS_URL`, else `redis://127.0.0.1:6379`. */
  readonly redisUrl?: string;
  /** Default an in-memory publisher. */
  readonly publisher?: LifecyclePublisher;
  /** Any other registry option. Default: none, and a silent logger. */
  readonly overrides?: Partial<Omit<ModelRegistryOptions, 'redis' | 'artifacts' | 'publisher' | 'keyPrefix'>>;
}

/** A real registry on keys and an artifact directory of its own. */
export interface TestRegistry {
  readonly registry: ModelRegistry;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly artifactDirectory: string;
  /** Shuts the registry down, deletes its keys and artifacts, closes Redis; idempotent. */
  close(): Promise<void>;
}

/**
 * A registry on a real Redis under a unique key prefix, with artifacts in a
 * fresh temporary directory, so tests running side by side never meet.
 */
export async function createTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const redis = new Redis(options.redisUrl ?? (process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379'), { maxRetriesPerRequest: 2 });
  const keyPrefix = `test:model-registry:${randomUUID()}`;
  const artifactDirectory = await mkdtemp(join(tmpdir(), 'model-registry-'));
  const registry = createModelRegistry({
    redis,
    keyPrefix,
    artifacts: createLocalArtifactStore({ directory: artifactDirectory }),
    publisher: options.publisher ?? createInMemoryLifecyclePublisher(),
    logger: createLogger({ name: 'model-registry-test', level: 'silent' }),
    ...options.overrides,
  });
  let closing: Promise<void> | undefined;
  return {
    registry,
    redis,
    keyPrefix,
    artifactDirectory,
    close() {
      closing ??= (async () => {
        await registry.shutdown();
        await deleteKeys(redis, keyPrefix);
        await redis.quit();
        await rm(artifactDirectory, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** Deletes every key under `prefix`, on each master of a cluster (one DEL per key: they lie in many slots). */
export async function deleteKeys(redis: Redis | Cluster, prefix: string): Promise<void> {
  for (const server of redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis]) {
    for (let cursor = '0'; ; ) {
      const [next, keys] = await server.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      await Promise.all(keys.map((key) => redis.del(key)));
      if (next === '0') break;
      cursor = next;
    }
  }
}
