import { createLogger } from '@tributary/observability';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalArtifactStore, createModelRegistry, type ModelRegistry } from './index.js';
import { createInMemoryLifecyclePublisher } from './testing.js';
import { artifactBytes, chunked, connectRedis, readAll, registerInput, temporaryDirectory } from './test-support/fixtures.js';
import { startThrowawayRedis, type ThrowawayRedis } from './test-support/throwaway-redis.js';

const MODEL = 'flight-delay';

describe('createModelRegistry() across a Redis restart', () => {
  let server: ThrowawayRedis;
  let artifactDirectory: { path: string; remove: () => Promise<void> };

  beforeEach(async () => {
    server = await startThrowawayRedis();
    artifactDirectory = await temporaryDirectory();
  });
  afterEach(async () => {
    await server.destroy();
    await artifactDirectory.remove();
  });

  /** Runs `fn` against a fresh registry process: new connection, new instance, same Redis and artifact directory. */
  async function withRegistry<T>(fn: (registry: ModelRegistry) => Promise<T>): Promise<T> {
    const redis = connectRedis(server.url);
    const registry = createModelRegistry({
      redis,
      artifacts: createLocalArtifactStore({ directory: artifactDirectory.path }),
      publisher: createInMemoryLifecyclePublisher(),
      logger: createLogger({ name: 'model-registry-test', level: 'silent' }),
    });
    try {
      return await fn(registry);
    } finally {
      await registry.shutdown();
      await redis.quit();
    }
  }

  async function snapshot(registry: ModelRegistry) {
    return {
      versions: await registry.listVersions(MODEL),
      aliases: await registry.getAliases(MODEL),
      history: await registry.getAuditHistory(MODEL),
    };
  }

  it('keeps every version, alias and audit entry through a SIGTERM and a SIGKILL of Redis', async () => {
    const register = (registry: ModelRegistry, n: number) => registry.registerVersion(registerInput(MODEL, artifactBytes(n)), chunked(artifactBytes(n)));
    const beforeTerm = await withRegistry(async (registry) => {
      await register(registry, 1);
      await register(registry, 2);
      await registry.approveVersion({ modelName: MODEL, version: 2, actor: 'bob', reason: 'ok' });
      await registry.setAlias({ modelName: MODEL, alias: 'champion', version: 2, expectedVersion: null, actor: 'ci', reason: 'promote' });
      return snapshot(registry);
    });
    expect(beforeTerm.history).toHaveLength(4);

    await server.restart('SIGTERM');
    const beforeKill = await withRegistry(async (registry) => {
      expect(await snapshot(registry)).toEqual(beforeTerm);
      // The last write before the crash must survive it: appendfsync always.
      await register(registry, 3);
      await registry.setAlias({ modelName: MODEL, alias: 'shadow', version: 3, expectedVersion: null, actor: 'ci', reason: 'shadow traffic' });
      return snapshot(registry);
    });
    expect(beforeKill.history).toHaveLength(6);

    await server.restart('SIGKILL');
    await withRegistry(async (registry) => {
      expect(await snapshot(registry)).toEqual(beforeKill);
      expect((await register(registry, 4)).version).toBe(4);
      expect(await readAll((await registry.openArtifact(MODEL, 3)).content)).toEqual(Buffer.from(artifactBytes(3)));
    });
  });
});
