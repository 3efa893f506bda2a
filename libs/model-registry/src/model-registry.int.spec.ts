import { readdir } from 'node:fs/promises';
import { Code } from '@tributary/errors';
import { createLogger } from '@tributary/observability';
import { scanRedisKeys } from '@tributary/infra/testing';
import { redisDeployments } from '@tributary/infra/tooling';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AliasConflictError,
  ApprovalRequiredError,
  ArtifactDigestMismatchError,
  createLocalArtifactStore,
  createModelRegistry,
  type ModelRegistry,
  type ModelRegistryOptions,
} from './index.js';
import { deleteKeys } from './test-registry.js';
import { createInMemoryLifecyclePublisher, type InMemoryLifecyclePublisher } from './testing.js';
import {
  artifactBytes,
  chunked,
  connectRedis,
  readAll,
  registerInput,
  sha256Of,
  temporaryDirectory,
  uniqueKeyPrefix,
} from './test-support/fixtures.js';

const MODEL = 'flight-delay';

describe.each(redisDeployments)('createModelRegistry() on $name', (deployment) => {
  let url: string;
  let stopDeployment: () => Promise<void>;
  let redis: Redis | Cluster;
  let keyPrefix: string;
  let artifactDirectory: { path: string; remove: () => Promise<void> };
  let publisher: InMemoryLifecyclePublisher;
  let registry: ModelRegistry;
  const opened: ModelRegistry[] = [];

  /** A registry over the test's Redis keys and artifact directory, like another replica or a restarted process. */
  function openRegistry(overrides: Partial<ModelRegistryOptions> = {}): ModelRegistry {
    const instance = createModelRegistry({
      redis,
      keyPrefix,
      artifacts: createLocalArtifactStore({ directory: artifactDirectory.path }),
      publisher,
      logger: createLogger({ name: 'model-registry-test', level: 'silent' }),
      ...overrides,
    });
    opened.push(instance);
    return instance;
  }

  /** Runs `fn` with `count` registries, each on its own Redis connection, and closes them after. */
  async function withReplicas<T>(count: number, fn: (replicas: ModelRegistry[]) => Promise<T>): Promise<T> {
    const connections = Array.from({ length: count }, () => connectRedis(url));
    const replicas = connections.map((connection) => openRegistry({ redis: connection }));
    try {
      return await fn(replicas);
    } finally {
      await Promise.all(replicas.map((replica) => replica.shutdown()));
      await Promise.all(connections.map((connection) => connection.quit()));
    }
  }

  async function register(n: number, target = registry) {
    const bytes = artifactBytes(n);
    return target.registerVersion(registerInput(MODEL, bytes, { metrics: { auc: 0.6 + n / 100 } }), chunked(bytes));
  }

  beforeAll(async () => {
    ({ url, stop: stopDeployment } = await deployment.start());
    redis = connectRedis(url);
  }, 60_000);
  afterAll(async () => {
    await redis.quit();
    await stopDeployment();
  });
  beforeEach(async () => {
    keyPrefix = uniqueKeyPrefix();
    artifactDirectory = await temporaryDirectory();
    publisher = createInMemoryLifecyclePublisher();
    registry = openRegistry();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.shutdown()));
    await deleteKeys(redis, keyPrefix);
    await artifactDirectory.remove();
  });

  it('allocates version numbers in order and reads versions back with their lineage and metrics', async () => {
    const first = await register(1);
    const second = await registry.registerVersion(
      registerInput(MODEL, artifactBytes(2), {
        lineage: { ...first.lineage, parentVersion: 1 },
        referenceProfile: new TextEncoder().encode('{"bins":[1,2,3]}'),
      }),
      chunked(artifactBytes(2)),
    );
    expect([first.version, second.version]).toEqual([1, 2]);
    const read = await registry.getVersion(MODEL, 2);
    expect(read).toEqual({ ...second, aliases: [] });
    expect(read.lineage.parentVersion).toBe(1);
    expect(read.artifact).toEqual({ sha256: sha256Of(artifactBytes(2)), sizeBytes: 4096 });
    expect(new TextDecoder().decode(await registry.getReferenceProfile(MODEL, 2))).toBe('{"bins":[1,2,3]}');
    expect(await registry.getReferenceProfile(MODEL, 1)).toBeUndefined();
    expect((await registry.listVersions(MODEL)).versions).toEqual([read, { ...first, aliases: [] }]);
    expect(await readAll((await registry.openArtifact(MODEL, 2)).content)).toEqual(Buffer.from(artifactBytes(2)));
  });

  it('answers NOT_FOUND, ALREADY_EXISTS and INVALID_ARGUMENT with the context of the failure', async () => {
    await expect(registry.getVersion(MODEL, 1)).rejects.toMatchObject({ code: Code.NotFound, modelName: MODEL });
    await register(1);
    await expect(registry.getVersion(MODEL, 9)).rejects.toMatchObject({ code: Code.NotFound, version: 9 });
    await expect(registry.getVersionByAlias(MODEL, 'champion')).rejects.toMatchObject({ code: Code.NotFound, alias: 'champion' });
    await expect(register(1)).rejects.toMatchObject({ code: Code.AlreadyExists, existingVersion: 1 });
    const bytes = artifactBytes(2);
    await expect(registry.registerVersion(registerInput('Bad Name', bytes), chunked(bytes))).rejects.toMatchObject({
      code: Code.InvalidArgument,
      field: 'modelName',
    });
    await expect(registry.registerVersion(registerInput(MODEL, bytes, { sha256: '' }), chunked(bytes))).rejects.toMatchObject({
      code: Code.InvalidArgument,
      field: 'sha256',
    });
    await expect(registry.setAlias({ modelName: MODEL, alias: 'production', version: 1, actor: 'ops', reason: 'go' })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      field: 'alias',
    });
    await expect(
      registry.registerVersion(registerInput(MODEL, bytes, { lineage: { ...registerInput(MODEL, bytes).lineage, parentVersion: 7 } }), chunked(bytes)),
    ).rejects.toMatchObject({ code: Code.NotFound, version: 7 });
    expect((await registry.listVersions(MODEL)).versions.map((v) => v.version)).toEqual([1]);
  });

  it('rejects a corrupted artifact upload and leaves no version, no history and no file behind', async () => {
    const declared = artifactBytes(1);
    const corrupted = artifactBytes(2);
    const failure = await registry.registerVersion(registerInput(MODEL, declared), chunked(corrupted)).catch((reason: unknown) => reason);
    expect(failure).toBeInstanceOf(ArtifactDigestMismatchError);
    expect(failure).toMatchObject({ code: Code.InvalidArgument });
    expect(await registry.listModels()).toEqual([]);
    await expect(registry.getAuditHistory(MODEL)).rejects.toMatchObject({ code: Code.NotFound });
    expect(await readdir(artifactDirectory.path, { recursive: true, withFileTypes: true }).then((all) => all.filter((e) => e.isFile()))).toEqual([]);
    await registry.flushLifecycleEvents();
    expect(publisher.published).toEqual([]);
  });

  it('refuses to move champion to an unapproved version with FAILED_PRECONDITION', async () => {
    await register(1);
    const move = { modelName: MODEL, alias: 'champion', version: 1, expectedVersion: null, actor: 'alice', reason: 'better AUC' } as const;
    const failure = await registry.setAlias(move).catch((reason: unknown) => reason);
    expect(failure).toBeInstanceOf(ApprovalRequiredError);
    expect(failure).toMatchObject({ code: Code.FailedPrecondition, modelName: MODEL, version: 1, alias: 'champion' });
    await expect(registry.getVersionByAlias(MODEL, 'champion')).rejects.toMatchObject({ code: Code.NotFound });

    const approved = await registry.approveVersion({ modelName: MODEL, version: 1, actor: 'bob', reason: 'reviewed the holdout report' });
    expect(approved.status).toBe('approved');
    expect(approved.approval).toMatchObject({ approvedBy: 'bob', reason: 'reviewed the holdout report' });
    expect(approved.approval?.approvedAtMs).toBeGreaterThan(0);
    await expect(registry.approveVersion({ modelName: MODEL, version: 1, actor: 'bob', reason: 'again' })).rejects.toMatchObject({
      code: Code.AlreadyExists,
    });
    expect(await registry.setAlias(move)).toMatchObject({ previousVersion: null, version: 1 });
    expect((await registry.getVersionByAlias(MODEL, 'champion')).aliases).toEqual(['champion']);
  });

  it('moves champion without approval for a model configured not to need one', async () => {
    registry = openRegistry({ championRequiresApproval: (modelName) => modelName !== MODEL });
    await register(1);
    await registry.setAlias({ modelName: MODEL, alias: 'champion', version: 1, expectedVersion: null, actor: 'ci', reason: 'first model' });
    expect((await registry.getAliases(MODEL)).champion).toBe(1);
    const history = await registry.getAuditHistory(MODEL);
    expect(history.map((change) => [change.sequence, change.kind])).toEqual([
      [1, 'registered'],
      [2, 'alias_moved'],
    ]);
  });

  it('fails a move with ABORTED when the alias no longer points at the expected version', async () => {
    await register(1);
    await register(2);
    await registry.setAlias({ modelName: MODEL, alias: 'challenger', version: 1, expectedVersion: null, actor: 'a', reason: 'r' });
    const failure = await registry
      .setAlias({ modelName: MODEL, alias: 'challenger', version: 2, expectedVersion: null, actor: 'b', reason: 'r' })
      .catch((reason: unknown) => reason);
    expect(failure).toBeInstanceOf(AliasConflictError);
    expect(failure).toMatchObject({ code: Code.Aborted, retryable: false, expectedVersion: null, actualVersion: 1 });
  });

  it('lets exactly one of 50 concurrent moves from the same expected version win, across replicas', async () => {
    for (let n = 1; n <= 5; n++) await register(n);
    await registry.setAlias({ modelName: MODEL, alias: 'challenger', version: 1, expectedVersion: null, actor: 'setup', reason: 'start' });
    const outcomes = await withReplicas(4, (replicas) =>
      Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          (replicas[i % replicas.length] as ModelRegistry).setAlias({
            modelName: MODEL,
            alias: 'challenger',
            version: 2 + (i % 4),
            expectedVersion: 1,
            actor: `writer-${i}`,
            reason: 'race',
          }),
        ),
      ),
    );
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.every((outcome) => outcome.reason instanceof AliasConflictError)).toBe(true);
    const moves = (await registry.getAuditHistory(MODEL)).filter((change) => change.kind === 'alias_moved');
    expect(moves).toHaveLength(2);
    expect((await registry.getAliases(MODEL)).challenger).toBe(moves[1]?.version);
  });

  it('never loses an update when 50 writers move an alias by read-then-compare-and-set', async () => {
    for (let n = 1; n <= 3; n++) await register(n);
    let conflicts = 0;
    const moves = await withReplicas(4, (replicas) => {
      const writer = async (i: number) => {
        const replica = replicas[i % replicas.length] as ModelRegistry;
        for (;;) {
          const current = (await replica.getAliases(MODEL)).shadow ?? null;
          const next = current === null ? 1 : (current % 3) + 1;
          try {
            return await replica.setAlias({ modelName: MODEL, alias: 'shadow', version: next, expectedVersion: current, actor: `writer-${i}`, reason: 'race' });
          } catch (reason) {
            if (!(reason instanceof AliasConflictError)) throw reason;
            conflicts++;
          }
        }
      };
      return Promise.all(Array.from({ length: 50 }, (_, i) => writer(i)));
    });
    expect(moves).toHaveLength(50);
    expect(conflicts).toBeGreaterThan(0);

    const history = (await registry.getAuditHistory(MODEL)).filter((change) => change.kind === 'alias_moved');
    expect(history).toHaveLength(50);
    expect(new Set(history.map((change) => change.actor)).size).toBe(50);
    // Every move starts where the one before it ended: none was based on a stale read.
    history.forEach((change, i) => expect(change.previousVersion).toBe(i === 0 ? undefined : history[i - 1]?.version));
    expect((await registry.getAliases(MODEL)).shadow).toBe(history.at(-1)?.version);
  });

  it('rolls an alias back to its previous version and audits the rollback', async () => {
    registry = openRegistry({ championRequiresApproval: () => false });
    for (let n = 1; n <= 2; n++) await register(n);
    await registry.setAlias({ modelName: MODEL, alias: 'champion', version: 1, expectedVersion: null, actor: 'ci', reason: 'first' });
    await registry.setAlias({ modelName: MODEL, alias: 'champion', version: 2, expectedVersion: 1, actor: 'ci', reason: 'better' });
    await expect(registry.rollBackAlias({ modelName: MODEL, alias: 'champion', expectedVersion: 1, actor: 'sre', reason: 'x' })).rejects.toMatchObject({
      code: Code.Aborted,
      actualVersion: 2,
    });
    const rollback = await registry.rollBackAlias({ modelName: MODEL, alias: 'champion', expectedVersion: 2, actor: 'sre', reason: 'latency regression' });
    expect(rollback).toMatchObject({ previousVersion: 2, version: 1 });
    expect((await registry.getAliases(MODEL)).champion).toBe(1);
    await expect(registry.rollBackAlias({ modelName: MODEL, alias: 'champion', actor: 'sre', reason: 'again' })).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
    const last = (await registry.getAuditHistory(MODEL)).at(-1);
    expect(last).toMatchObject({ kind: 'rolled_back', alias: 'champion', version: 1, previousVersion: 2, actor: 'sre', reason: 'latency regression' });
  });

  it('deletes an alias by compare-and-set and audits the deletion', async () => {
    await register(1);
    await registry.setAlias({ modelName: MODEL, alias: 'shadow', version: 1, expectedVersion: null, actor: 'ci', reason: 'shadow traffic' });
    await expect(registry.deleteAlias({ modelName: MODEL, alias: 'shadow', expectedVersion: 2, actor: 'sre', reason: 'x' })).rejects.toMatchObject({
      code: Code.Aborted,
      actualVersion: 1,
    });
    expect(await registry.deleteAlias({ modelName: MODEL, alias: 'shadow', expectedVersion: 1, actor: 'sre', reason: 'done' })).toMatchObject({
      previousVersion: 1,
      version: null,
    });
    expect(await registry.getAliases(MODEL)).toEqual({});
    await expect(registry.deleteAlias({ modelName: MODEL, alias: 'shadow', actor: 'sre', reason: 'again' })).rejects.toMatchObject({ code: Code.NotFound });
    expect((await registry.getAuditHistory(MODEL)).at(-1)).toMatchObject({ kind: 'alias_deleted', alias: 'shadow', previousVersion: 1, sequence: 3 });
  });

  it('lists versions newest first, a page at a time, filtered', async () => {
    for (let n = 1; n <= 5; n++) await register(n);
    const page = async (options: Parameters<ModelRegistry['listVersions']>[1]) => {
      const { versions, nextBeforeVersion } = await registry.listVersions(MODEL, options);
      return { versions: versions.map((v) => v.version), nextBeforeVersion };
    };
    expect(await page({ limit: 2 })).toEqual({ versions: [5, 4], nextBeforeVersion: 4 });
    expect(await page({ limit: 2, beforeVersion: 4 })).toEqual({ versions: [3, 2], nextBeforeVersion: 2 });
    expect(await page({ limit: 2, beforeVersion: 2 })).toEqual({ versions: [1], nextBeforeVersion: undefined });
    expect(await page({ metric: { name: 'auc', min: 0.625 } })).toEqual({ versions: [5, 4, 3], nextBeforeVersion: undefined });
  });

  it('searches versions by alias, metric threshold, tag and status', async () => {
    await register(1);
    await registry.registerVersion(registerInput(MODEL, artifactBytes(2), { metrics: { auc: 0.75 }, tags: { algorithm: 'logistic' } }), chunked(artifactBytes(2)));
    await register(3);
    await registry.approveVersion({ modelName: MODEL, version: 3, actor: 'bob', reason: 'ok' });
    await registry.setAlias({ modelName: MODEL, alias: 'champion', version: 3, expectedVersion: null, actor: 'ci', reason: 'best' });
    const versions = async (query: Parameters<ModelRegistry['searchVersions']>[0]) => (await registry.searchVersions(query)).map((v) => v.version);
    expect(await versions({ modelName: MODEL, alias: 'champion' })).toEqual([3]);
    expect(await versions({ modelName: MODEL, metric: { name: 'auc', min: 0.62 } })).toEqual([3, 2]);
    expect(await versions({ modelName: MODEL, metric: { name: 'auc', max: 0.62 } })).toEqual([1]);
    expect(await versions({ tags: { algorithm: 'gbdt' } })).toEqual([3, 1]);
    expect(await versions({ modelName: MODEL, status: 'approved' })).toEqual([3]);
    expect(await versions({ metric: { name: 'missing', min: 0 } })).toEqual([]);
  });

  it('publishes one lifecycle event per change, in audit order, and retries a failed publish in the background', async () => {
    registry = openRegistry({ lifecyclePollIntervalMs: 20 });
    await register(1);
    await register(2);
    await registry.approveVersion({ modelName: MODEL, version: 2, actor: 'bob', reason: 'ok' });
    await registry.flushLifecycleEvents();
    // The first failure hits the publish the change itself triggers, the second the explicit flush queued behind it.
    publisher.failNext(2);
    await registry.setAlias({ modelName: MODEL, alias: 'champion', version: 2, expectedVersion: null, actor: 'ci', reason: 'promote' });
    await expect(registry.flushLifecycleEvents()).rejects.toThrow('publisher told to fail');
    expect(publisher.published.map((event) => event.change.kind)).not.toContain('alias_moved');

    registry.start();
    const history = await registry.getAuditHistory(MODEL);
    expect(history.map((change) => change.kind)).toEqual(['registered', 'registered', 'approved', 'alias_moved']);
    await vi.waitFor(() => expect(publisher.published.map((event) => event.change)).toEqual(history), { timeout: 5000, interval: 20 });
    // Each event carries the version it concerns as it is when published.
    expect(publisher.published.at(-1)?.modelVersion).toMatchObject({ version: 2, status: 'approved', aliases: ['champion'] });
  });

  it('keeps every version, alias, artifact and audit entry when the registry restarts', async () => {
    await register(1);
    await register(2);
    await registry.approveVersion({ modelName: MODEL, version: 2, actor: 'bob', reason: 'ok' });
    await registry.setAlias({ modelName: MODEL, alias: 'champion', version: 2, expectedVersion: null, actor: 'ci', reason: 'promote' });
    const before = { versions: await registry.listVersions(MODEL), history: await registry.getAuditHistory(MODEL) };
    await registry.shutdown();
    await registry.shutdown();

    const restarted = openRegistry();
    expect(await restarted.listVersions(MODEL)).toEqual(before.versions);
    expect(await restarted.getAuditHistory(MODEL)).toEqual(before.history);
    expect((await restarted.getVersionByAlias(MODEL, 'champion')).version).toBe(2);
    expect(await readAll((await restarted.openArtifact(MODEL, 1)).content)).toEqual(Buffer.from(artifactBytes(1)));
    expect((await register(3, restarted)).version).toBe(3);
  });
});

describe('createModelRegistry() on keys of the untagged layout', () => {
  it('renames them to the {registry} layout before its first operation and finds every version, alias and audit entry', async () => {
    const redis = connectRedis() as Redis;
    const keyPrefix = uniqueKeyPrefix();
    const artifacts = await temporaryDirectory();
    const open = () =>
      createModelRegistry({
        redis,
        keyPrefix,
        artifacts: createLocalArtifactStore({ directory: artifacts.path }),
        publisher: createInMemoryLifecyclePublisher(),
        logger: createLogger({ name: 'model-registry-test', level: 'silent' }),
      });
    try {
      const old = open();
      const bytes = artifactBytes(1);
      await old.registerVersion(registerInput(MODEL, bytes), chunked(bytes));
      await old.setAlias({ modelName: MODEL, alias: 'challenger', version: 1, expectedVersion: null, actor: 'ci', reason: 'try it' });
      const before = { versions: await old.listVersions(MODEL), history: await old.getAuditHistory(MODEL) };
      await old.shutdown();
      // What an earlier release left: the same keys without the hash tag.
      const tagged = await scanRedisKeys(redis, keyPrefix);
      expect(tagged.length).toBeGreaterThan(5);
      for (const key of tagged) await redis.rename(key, key.replace(':{registry}', ''));

      const upgraded = open();
      expect(await upgraded.listVersions(MODEL)).toEqual(before.versions);
      expect(await upgraded.getAuditHistory(MODEL)).toEqual(before.history);
      expect((await upgraded.getVersionByAlias(MODEL, 'challenger')).version).toBe(1);
      expect((await scanRedisKeys(redis, keyPrefix)).filter((key) => !key.includes(':{registry}:'))).toEqual([]);
      await upgraded.shutdown();
    } finally {
      await deleteKeys(redis, keyPrefix);
      await redis.quit();
      await artifacts.remove();
    }
  });
});
