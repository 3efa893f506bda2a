import type { Readable } from 'node:stream';
import { Code, TributaryError } from '@tributary/errors';
import { createLogger, type Logger } from '@tributary/observability';
import type { Cluster, Redis } from 'ioredis';
import type { ArtifactSource, ArtifactStore } from './artifact-store.js';
import { AliasNotSetError, InvalidRegistryArgumentError } from './errors.js';
import type { LifecyclePublisher } from './lifecycle-publisher.js';
import { createLifecycleRelay } from './lifecycle-relay.js';
import { PRODUCTION_ALIAS, type Alias, type AliasMove, type Lineage, type ModelChange, type ModelVersion, type VersionStatus } from './model-version.js';
import { createRedisMetadataStore, type ChangeContext, type VersionRecord } from './redis-metadata-store.js';
import { registryMetrics } from './registry-metrics.js';
import { assertAlias, assertFiniteMetrics, assertModelName, assertNonBlank, assertSha256, assertVersion } from './validation.js';

/** Options of {@link createModelRegistry}. */
export interface ModelRegistryOptions {
  /** Connection to the registry's Redis (AOF on): one server, or a Redis Cluster (see the README's key layout); owned and closed by the caller. */
  readonly redis: Redis | Cluster;
  /** Where artifacts are kept. */
  readonly artifacts: ArtifactStore;
  /** Where lifecycle events go (the `model.lifecycle` topic in the service). */
  readonly publisher: LifecyclePublisher;
  /** Prefix of every Redis key. Default `tributary:registry`. */
  readonly keyPrefix?: string;
  /**
   * Whether `champion` may point only at approved versions of a model.
   * Default: for every model.
   */
  readonly championRequiresApproval?: (modelName: string) => boolean;
  /** How often unpublished lifecycle events are looked for once started. Default 1000 ms. */
  readonly lifecyclePollIntervalMs?: number;
  /** Clock for audit timestamps. Default `Date.now`. */
  readonly now?: () => number;
  /** Default a logger named `model-registry`. */
  readonly logger?: Logger;
}

/** What {@link ModelRegistry.registerVersion} needs besides the artifact bytes. */
export interface RegisterVersionInput {
  readonly modelName: string;
  /** The sha256 the uploader computed; the upload is rejected if the bytes hash to anything else. */
  readonly sha256: string;
  /** Who registers it (a person or a service). */
  readonly actor: string;
  /** Default "registered". */
  readonly reason?: string;
  /** The size the uploader declared; the upload is rejected if it differs. Default: not checked. */
  readonly sizeBytes?: number;
  /** Default "". */
  readonly description?: string;
  /** Kind of model, e.g. `gbdt`. Default "". */
  readonly modelType?: string;
  /** Input feature names in model order. Default none. */
  readonly featureNames?: readonly string[];
  /** e.g. `onnx`. Default "". */
  readonly artifactFormat?: string;
  /** Default none. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Default none. */
  readonly params?: Readonly<Record<string, string>>;
  /** Default none. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly lineage: Lineage;
  /** The drift reference profile, opaque to the registry. Default none. */
  readonly referenceProfile?: Uint8Array;
}

/** Who approves which version, and why. */
export interface ApproveVersionInput {
  readonly modelName: string;
  readonly version: number;
  readonly actor: string;
  readonly reason: string;
}

/** A compare-and-set move of an alias. */
export interface SetAliasInput {
  readonly modelName: string;
  /** `champion`, `challenger` or `shadow`. */
  readonly alias: string;
  readonly version: number;
  /**
   * Where the caller believes the alias points now: a version, or `null` for
   * "not set". The move fails with ABORTED if it points elsewhere. Omit only
   * for an unconditional move.
   */
  readonly expectedVersion?: number | null;
  readonly actor: string;
  readonly reason: string;
}

/** A rollback: the alias goes back to the version it pointed at before. */
export interface RollBackAliasInput {
  readonly modelName: string;
  readonly alias: string;
  /** Where the caller believes the alias points now; omit to roll back whatever it points at. */
  readonly expectedVersion?: number;
  readonly actor: string;
  readonly reason: string;
}

/** A compare-and-set removal of an alias. */
export interface DeleteAliasInput {
  readonly modelName: string;
  readonly alias: string;
  /**
   * Where the caller believes the alias points now (`null`: not set, which
   * always conflicts with a set alias); omit to delete it wherever it points.
   */
  readonly expectedVersion?: number | null;
  readonly actor: string;
  readonly reason: string;
}

/** Which versions to return; every filter given must match. */
export interface VersionFilter {
  /** Only the version this alias points at. */
  readonly alias?: string;
  /** Only versions with this metric within [min, max] (either bound optional). */
  readonly metric?: { readonly name: string; readonly min?: number; readonly max?: number };
  /** Only versions carrying all these tags with these values. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly status?: VersionStatus;
}

/** One page of {@link ModelRegistry.listVersions}, newest first. */
export interface ListVersionsOptions extends VersionFilter {
  /** Only versions below this one: the `nextBeforeVersion` of the previous page. Default from the newest. */
  readonly beforeVersion?: number;
  /** At most this many (1–1000). Default 100. */
  readonly limit?: number;
}

/** A page of versions, newest first. */
export interface VersionPage {
  readonly versions: readonly ModelVersion[];
  /** Pass as `beforeVersion` for the next page; absent on the last page. */
  readonly nextBeforeVersion?: number;
}

/** A search across models. */
export interface VersionQuery extends VersionFilter {
  /** Only this model. Default every model. */
  readonly modelName?: string;
  /** At most this many, by model name, then newest first (1–1000). Default 100. */
  readonly limit?: number;
}

/** Paging of {@link ModelRegistry.getAuditHistory}. */
export interface AuditHistoryOptions {
  /** Only entries after this change id. Default from the start. */
  readonly afterId?: string;
  /** At most this many (1–1000). Default 1000. */
  readonly limit?: number;
}

/** An artifact opened for download, with the version it belongs to. */
export interface OpenedArtifact {
  readonly version: ModelVersion;
  readonly content: Readable;
}

/**
 * Versions, aliases, approvals and audit history of models. Every write is
 * one atomic step in Redis that also appends to the audit history and to the
 * outbox of lifecycle events, which are published in order, at least once.
 */
export interface ModelRegistry {
  /**
   * Stores the artifact (verified against `input.sha256`), then the version
   * with the next version number. All or nothing: a failure leaves no version.
   */
  registerVersion(input: RegisterVersionInput, artifact: ArtifactSource): Promise<ModelVersion>;
  getVersion(modelName: string, version: number): Promise<ModelVersion>;
  /** The version an alias points at; NOT_FOUND if the alias is not set. */
  getVersionByAlias(modelName: string, alias: string): Promise<ModelVersion>;
  listVersions(modelName: string, options?: ListVersionsOptions): Promise<VersionPage>;
  searchVersions(query: VersionQuery): Promise<ModelVersion[]>;
  listModels(): Promise<string[]>;
  getAliases(modelName: string): Promise<Partial<Record<Alias, number>>>;
  getReferenceProfile(modelName: string, version: number): Promise<Uint8Array | undefined>;
  openArtifact(modelName: string, version: number): Promise<OpenedArtifact>;
  approveVersion(input: ApproveVersionInput): Promise<ModelVersion>;
  /** Compare-and-set; ABORTED if the alias moved meanwhile, FAILED_PRECONDITION if `champion` needs an approval. */
  setAlias(input: SetAliasInput): Promise<AliasMove>;
  /** Moves the alias back to its previous version (audited as a rollback). */
  rollBackAlias(input: RollBackAliasInput): Promise<AliasMove>;
  /** Compare-and-set removal; NOT_FOUND if the alias is not set. */
  deleteAlias(input: DeleteAliasInput): Promise<AliasMove>;
  getAuditHistory(modelName: string, options?: AuditHistoryOptions): Promise<ModelChange[]>;
  /** Publishes every pending lifecycle event now; rejects if the publisher fails. */
  flushLifecycleEvents(): Promise<void>;
  /** Starts the background publishing of lifecycle events; safe to call twice. */
  start(): void;
  /** Stops background work and publishes what is pending; safe to call twice. Does not close Redis. */
  shutdown(): Promise<void>;
}

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/** Creates the registry over a Redis connection, an artifact store and a lifecycle publisher. */
export function createModelRegistry(options: ModelRegistryOptions): ModelRegistry {
  const { artifacts, now = Date.now, logger = createLogger({ name: 'model-registry' }), championRequiresApproval = () => true } = options;
  const store = createRedisMetadataStore({
    redis: options.redis,
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
  });
  const relay = createLifecycleRelay({
    outbox: store,
    publisher: options.publisher,
    logger,
    ...(options.lifecyclePollIntervalMs === undefined ? {} : { pollIntervalMs: options.lifecyclePollIntervalMs }),
  });
  const { operationSeconds } = registryMetrics();

  async function observe<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const end = operationSeconds.startTimer({ operation });
    try {
      const result = await fn();
      end({ outcome: 'ok' });
      return result;
    } catch (reason) {
      end({ outcome: Code[TributaryError.from(reason).code] ?? 'Unknown' });
      throw reason;
    }
  }

  function context(actor: string, reason: string): ChangeContext {
    assertNonBlank(actor, 'actor');
    assertNonBlank(reason, 'reason');
    return { actor, reason, atMs: now() };
  }

  /** After a committed change: log it and get its event on its way. */
  function changed(message: string, details: Record<string, unknown>): void {
    logger.info(details, message);
    relay.notify();
  }

  /** Walks a model's versions newest first, keeping those that match, until `limit` are found. */
  async function findVersions(modelName: string, filter: VersionFilter, beforeVersion: number | undefined, limit: number): Promise<VersionPage> {
    const found: ModelVersion[] = [];
    for (let before = beforeVersion; ; ) {
      const batch = await store.listVersionsNewestFirst(modelName, before, MAX_PAGE);
      for (const version of batch) {
        if (!matches(version, filter)) continue;
        found.push(version);
        if (found.length === limit) return { versions: found, ...(version.version > 1 ? { nextBeforeVersion: version.version } : {}) };
      }
      const oldest = batch.at(-1);
      if (batch.length < MAX_PAGE || !oldest) return { versions: found };
      before = oldest.version;
    }
  }

  const registry: ModelRegistry = {
    registerVersion: (input, artifact) =>
      observe('register_version', async () => {
        assertModelName(input.modelName);
        assertSha256(input.sha256);
        assertLineage(input.lineage);
        assertFiniteMetrics(input.metrics ?? {});
        const change = context(input.actor, input.reason ?? 'registered');
        const stored = await artifacts.put(artifact, {
          expectedSha256: input.sha256,
          ...(input.sizeBytes === undefined ? {} : { expectedSizeBytes: input.sizeBytes }),
        });
        const record: VersionRecord = {
          createdBy: input.actor,
          description: input.description ?? '',
          modelType: input.modelType ?? '',
          featureNames: input.featureNames ?? [],
          metrics: input.metrics ?? {},
          params: input.params ?? {},
          tags: input.tags ?? {},
          lineage: input.lineage,
          artifact: stored,
          artifactFormat: input.artifactFormat ?? '',
        };
        const { version } = await store.registerVersion(input.modelName, record, input.referenceProfile, change);
        changed('registered model version', { model: input.modelName, version, sha256: stored.sha256, sizeBytes: stored.sizeBytes });
        return { modelName: input.modelName, version, createdAtMs: change.atMs, ...record, status: 'registered', aliases: [] };
      }),

    getVersion: (modelName, version) =>
      observe('get_version', async () => {
        assertModelName(modelName);
        assertVersion(version);
        return store.getVersion(modelName, version);
      }),

    getVersionByAlias: (modelName, alias) =>
      observe('get_version_by_alias', async () => {
        assertModelName(modelName);
        assertAlias(alias);
        const version = (await store.getAliases(modelName))[alias];
        if (version === undefined) throw new AliasNotSetError(modelName, alias);
        return store.getVersion(modelName, version);
      }),

    listVersions: (modelName, listOptions = {}) =>
      observe('list_versions', async () => {
        assertModelName(modelName);
        assertFilter(listOptions);
        if (listOptions.beforeVersion !== undefined) assertVersion(listOptions.beforeVersion, 'beforeVersion');
        return findVersions(modelName, listOptions, listOptions.beforeVersion, pageSize(listOptions.limit ?? DEFAULT_PAGE));
      }),

    searchVersions: (query) =>
      observe('search_versions', async () => {
        if (query.modelName !== undefined) assertModelName(query.modelName);
        assertFilter(query);
        const limit = pageSize(query.limit ?? DEFAULT_PAGE);
        const names = query.modelName === undefined ? await store.listModels() : [query.modelName];
        const found: ModelVersion[] = [];
        for (const name of names) {
          if (found.length === limit) break;
          found.push(...(await findVersions(name, query, undefined, limit - found.length)).versions);
        }
        return found;
      }),

    listModels: () => observe('list_models', () => store.listModels()),

    getAliases: (modelName) =>
      observe('get_aliases', async () => {
        assertModelName(modelName);
        return store.getAliases(modelName);
      }),

    getReferenceProfile: (modelName, version) =>
      observe('get_reference_profile', async () => {
        assertModelName(modelName);
        assertVersion(version);
        return store.getReferenceProfile(modelName, version);
      }),

    openArtifact: (modelName, version) =>
      observe('open_artifact', async () => {
        const found = await registry.getVersion(modelName, version);
        return { version: found, content: await artifacts.get(found.artifact.sha256) };
      }),

    approveVersion: (input) =>
      observe('approve_version', async () => {
        assertModelName(input.modelName);
        assertVersion(input.version);
        const changeId = await store.approveVersion(input.modelName, input.version, context(input.actor, input.reason));
        changed('approved model version', { model: input.modelName, version: input.version, approvedBy: input.actor, changeId });
        return store.getVersion(input.modelName, input.version);
      }),

    setAlias: (input) =>
      observe('set_alias', async () => {
        assertModelName(input.modelName);
        assertAlias(input.alias);
        assertVersion(input.version);
        if (input.expectedVersion != null) assertVersion(input.expectedVersion, 'expectedVersion');
        const requiresApproval = input.alias === PRODUCTION_ALIAS && championRequiresApproval(input.modelName);
        const change = context(input.actor, input.reason);
        const move = await store.setAlias(input.modelName, input.alias, input.version, input.expectedVersion, requiresApproval, change);
        if (move.changeId !== undefined) changed('moved alias', { ...move, actor: input.actor });
        return move;
      }),

    rollBackAlias: (input) =>
      observe('roll_back_alias', async () => {
        assertModelName(input.modelName);
        assertAlias(input.alias);
        if (input.expectedVersion !== undefined) assertVersion(input.expectedVersion, 'expectedVersion');
        const move = await store.rollBackAlias(input.modelName, input.alias, input.expectedVersion, context(input.actor, input.reason));
        changed('rolled back alias', { ...move, actor: input.actor });
        return move;
      }),

    deleteAlias: (input) =>
      observe('delete_alias', async () => {
        assertModelName(input.modelName);
        assertAlias(input.alias);
        if (input.expectedVersion != null) assertVersion(input.expectedVersion, 'expectedVersion');
        const move = await store.deleteAlias(input.modelName, input.alias, input.expectedVersion, context(input.actor, input.reason));
        changed('deleted alias', { ...move, actor: input.actor });
        return move;
      }),

    getAuditHistory: (modelName, historyOptions = {}) =>
      observe('get_audit_history', async () => {
        assertModelName(modelName);
        return store.getAuditHistory(modelName, historyOptions.afterId, pageSize(historyOptions.limit ?? MAX_PAGE));
      }),

    flushLifecycleEvents: () => relay.flush(),
    start: () => relay.start(),
    shutdown: () => relay.shutdown(),
  };

  return registry;
}

function matches(version: ModelVersion, filter: VersionFilter): boolean {
  if (filter.status !== undefined && version.status !== filter.status) return false;
  if (filter.alias !== undefined && !(version.aliases as readonly string[]).includes(filter.alias)) return false;
  if (filter.metric) {
    const value = version.metrics[filter.metric.name];
    if (value === undefined) return false;
    if (filter.metric.min !== undefined && value < filter.metric.min) return false;
    if (filter.metric.max !== undefined && value > filter.metric.max) return false;
  }
  return Object.entries(filter.tags ?? {}).every(([tag, value]) => version.tags[tag] === value);
}

function assertFilter(filter: VersionFilter): void {
  if (filter.alias !== undefined) assertAlias(filter.alias);
}

function assertLineage(lineage: Lineage): void {
  const { trainingWindowStartMs: start, trainingWindowEndMs: end } = lineage;
  if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
    throw new InvalidRegistryArgumentError('lineage.trainingWindow', `[${start}, ${end}) is not a time window`);
  }
  assertNonBlank(lineage.featureDefinitionsHash, 'lineage.featureDefinitionsHash');
  assertNonBlank(lineage.codeVersion, 'lineage.codeVersion');
  if (lineage.parentVersion !== undefined) assertVersion(lineage.parentVersion, 'lineage.parentVersion');
  if (lineage.trainingRowCount !== undefined && !(Number.isSafeInteger(lineage.trainingRowCount) && lineage.trainingRowCount >= 0)) {
    throw new InvalidRegistryArgumentError('lineage.trainingRowCount', `${lineage.trainingRowCount} is not a row count`);
  }
}

function pageSize(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidRegistryArgumentError('limit', `${limit} is not between 1 and ${MAX_PAGE}`);
  }
  return limit;
}
