import type { Readable } from 'node:stream';
import { Code, TributaryError } from '@tributary/errors';
import { createLogger, type Logger } from '@tributary/observability';
import type { Redis } from 'ioredis';
import type { ArtifactSource, ArtifactStore } from './artifact-store.js';
import { AliasNotSetError, InvalidRegistryArgumentError } from './errors.js';
import type { LifecyclePublisher } from './lifecycle-publisher.js';
import { createLifecycleRelay } from './lifecycle-relay.js';
import type { Alias, AliasMove, Lineage, ModelChange, ModelVersion, VersionStatus } from './model-version.js';
import { createRedisMetadataStore, type ChangeContext, type VersionRecord } from './redis-metadata-store.js';
import { registryMetrics } from './registry-metrics.js';
import { assertAlias, assertFiniteMetrics, assertModelName, assertNonBlank, assertSha256, assertVersion } from './validation.js';

/** Options of {@link createModelRegistry}. */
export interface ModelRegistryOptions {
  /** Connection to the registry's Redis (AOF on); owned and closed by the caller. */
  readonly redis: Redis;
  /** Where artifacts are kept. */
  readonly artifacts: ArtifactStore;
  /** Where lifecycle events go (the `model.lifecycle` topic in the service). */
  readonly publisher: LifecyclePublisher;
  /** Prefix of every Redis key. Default `tributary:registry`. */
  readonly keyPrefix?: string;
  /** Whether `champion` needs an approved version for models without a policy of their own. Default true. */
  readonly approvalRequiredByDefault?: boolean;
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
  /** Default "". */
  readonly description?: string;
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

/** Whether `champion` needs an approved version for one model. */
export interface SetApprovalRequiredInput {
  readonly modelName: string;
  readonly required: boolean;
  readonly actor: string;
  readonly reason: string;
}

/** Paging of {@link ModelRegistry.listVersions}. */
export interface ListVersionsOptions {
  /** First version to return. Default 1. */
  readonly fromVersion?: number;
  /** At most this many (1–1000). Default 100. */
  readonly limit?: number;
}

/** Filters of {@link ModelRegistry.searchVersions}; all given filters must match. */
export interface VersionQuery {
  /** Only this model. Default every model. */
  readonly modelName?: string;
  /** Only the version this alias points at. */
  readonly alias?: string;
  /** Only versions with this metric within [min, max] (either bound optional). */
  readonly metric?: { readonly name: string; readonly min?: number; readonly max?: number };
  /** Only versions carrying all these tags with these values. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly status?: VersionStatus;
  /** At most this many, in model then version order (1–1000). Default 100. */
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
  listVersions(modelName: string, options?: ListVersionsOptions): Promise<ModelVersion[]>;
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
  setApprovalRequired(input: SetApprovalRequiredInput): Promise<void>;
  isApprovalRequired(modelName: string): Promise<boolean>;
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
  const { artifacts, now = Date.now, logger = createLogger({ name: 'model-registry' }) } = options;
  const store = createRedisMetadataStore({
    redis: options.redis,
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
    ...(options.approvalRequiredByDefault === undefined ? {} : { approvalRequiredByDefault: options.approvalRequiredByDefault }),
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

  async function listAll(modelName: string): Promise<ModelVersion[]> {
    const all: ModelVersion[] = [];
    for (let fromVersion = 1; ; ) {
      const page = await store.listVersions(modelName, fromVersion, MAX_PAGE);
      all.push(...page);
      const last = page.at(-1);
      if (page.length < MAX_PAGE || !last) return all;
      fromVersion = last.version + 1;
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
        const stored = await artifacts.put(artifact, { expectedSha256: input.sha256 });
        const record: VersionRecord = {
          registeredBy: input.actor,
          description: input.description ?? '',
          metrics: input.metrics ?? {},
          params: input.params ?? {},
          tags: input.tags ?? {},
          lineage: input.lineage,
          artifact: stored,
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
        const { fromVersion = 1, limit = DEFAULT_PAGE } = listOptions;
        assertVersion(fromVersion, 'fromVersion');
        return store.listVersions(modelName, fromVersion, pageSize(limit));
      }),

    searchVersions: (query) =>
      observe('search_versions', async () => {
        if (query.modelName !== undefined) assertModelName(query.modelName);
        if (query.alias !== undefined) assertAlias(query.alias);
        const limit = pageSize(query.limit ?? DEFAULT_PAGE);
        const names = query.modelName === undefined ? await store.listModels() : [query.modelName];
        const found: ModelVersion[] = [];
        for (const name of names) {
          const candidates = query.alias === undefined ? await listAll(name) : await aliasTarget(name, query.alias);
          found.push(...candidates.filter((version) => matches(version, query)));
          if (found.length >= limit) break;
        }
        return found.slice(0, limit);
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
        const move = await store.setAlias(input.modelName, input.alias, input.version, input.expectedVersion, context(input.actor, input.reason));
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

    setApprovalRequired: (input) =>
      observe('set_approval_required', async () => {
        assertModelName(input.modelName);
        const changeId = await store.setApprovalRequired(input.modelName, input.required, context(input.actor, input.reason));
        changed('changed approval policy', { model: input.modelName, approvalRequired: input.required, changeId });
      }),

    isApprovalRequired: (modelName) =>
      observe('is_approval_required', async () => {
        assertModelName(modelName);
        return store.isApprovalRequired(modelName);
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

  async function aliasTarget(modelName: string, alias: Alias): Promise<ModelVersion[]> {
    const version = (await store.getAliases(modelName))[alias];
    return version === undefined ? [] : [await store.getVersion(modelName, version)];
  }

  return registry;
}

function matches(version: ModelVersion, query: VersionQuery): boolean {
  if (query.status !== undefined && version.status !== query.status) return false;
  if (query.metric) {
    const value = version.metrics[query.metric.name];
    if (value === undefined) return false;
    if (query.metric.min !== undefined && value < query.metric.min) return false;
    if (query.metric.max !== undefined && value > query.metric.max) return false;
  }
  return Object.entries(query.tags ?? {}).every(([tag, value]) => version.tags[tag] === value);
}

function assertLineage(lineage: Lineage): void {
  const { trainingWindowStartMs: start, trainingWindowEndMs: end } = lineage;
  if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
    throw new InvalidRegistryArgumentError('lineage.trainingWindow', `[${start}, ${end}) is not a time window`);
  }
  assertNonBlank(lineage.featureDefinitionsHash, 'lineage.featureDefinitionsHash');
  assertNonBlank(lineage.codeVersion, 'lineage.codeVersion');
  if (lineage.parentVersion !== undefined) assertVersion(lineage.parentVersion, 'lineage.parentVersion');
}

function pageSize(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidRegistryArgumentError('limit', `${limit} is not between 1 and ${MAX_PAGE}`);
  }
  return limit;
}
