import { Code, TributaryError } from '@tributary/errors';
import type { Cluster, Redis } from 'ioredis';
import {
  AliasConflictError,
  AliasNotSetError,
  ApprovalRequiredError,
  ModelNotFoundError,
  ModelVersionAlreadyExistsError,
  ModelVersionNotFoundError,
  NothingToRollBackError,
  VersionAlreadyApprovedError,
} from './errors.js';
import { migrateLegacyRegistryKeys } from './legacy-registry-keys.js';
import { runScript, type ScriptReply } from './lua-scripts.js';
import {
  ALIASES,
  type Alias,
  type AliasMove,
  type Approval,
  type ChangeKind,
  type ModelChange,
  type ModelVersion,
} from './model-version.js';
import { registryKeys, type ModelKeys } from './redis-keys.js';

/** The immutable part of a version, written once at registration as JSON. */
export type VersionRecord = Pick<
  ModelVersion,
  'createdBy' | 'description' | 'modelType' | 'featureNames' | 'metrics' | 'params' | 'tags' | 'lineage' | 'artifact' | 'artifactFormat'
>;

/** Who changes something, when and why: every write carries it into the audit history. */
export interface ChangeContext {
  readonly actor: string;
  readonly reason: string;
  readonly atMs: number;
}

/** A change waiting in the outbox, with the outbox position to acknowledge once published. */
export interface PendingChange {
  readonly outboxId: string;
  readonly change: ModelChange;
}

/** Options of {@link createRedisMetadataStore}. */
export interface RedisMetadataStoreOptions {
  /** Connection to the registry's Redis (AOF on), one server or a cluster; owned and closed by the caller. */
  readonly redis: Redis | Cluster;
  /** Prefix of every key. Default `tributary:registry`. */
  readonly keyPrefix?: string;
  /** How many earlier targets of an alias are kept for rollbacks. Default 100. */
  readonly aliasHistoryLength?: number;
}

const VERSION_FIELDS = ['record', 'status', 'created_at_ms', 'approval'] as const;
const ANY = '*';

/** Creates the registry's metadata store in Redis; every write is one atomic Lua script (see lua-scripts.ts). */
export function createRedisMetadataStore(options: RedisMetadataStoreOptions) {
  const { redis, keyPrefix = 'tributary:registry', aliasHistoryLength = 100 } = options;
  const keys = registryKeys(keyPrefix);
  let migration: Promise<unknown> | undefined;
  /** Keys of an older release are moved before the first operation (tried again after a failure). */
  const migrated = () =>
    (migration ??= migrateLegacyRegistryKeys(redis, keyPrefix).catch((error: unknown) => {
      migration = undefined;
      throw error;
    }));

  async function requireModel(modelName: string, model: ModelKeys): Promise<void> {
    if ((await redis.exists(model.meta)) === 0) throw new ModelNotFoundError(modelName);
  }

  async function readVersions(modelName: string, versions: readonly number[]): Promise<ModelVersion[]> {
    const model = keys.model(modelName);
    const transaction = redis.multi().hgetall(model.aliases);
    for (const version of versions) transaction.hmget(model.version(version), ...VERSION_FIELDS);
    const [aliasReply, ...versionReplies] = unwrap(await transaction.exec());
    const aliasesByVersion = invertAliases(aliasReply as Record<string, string>);
    return versionReplies.flatMap((reply, index) => {
      const [record, status, createdAtMs, approval] = reply as (string | null)[];
      const version = versions[index] as number;
      if (record == null) return [];
      return [decodeVersion(modelName, version, { record, status, createdAtMs, approval }, aliasesByVersion.get(version) ?? [])];
    });
  }

  return afterMigration(migrated, {
    /** Allocates the next version number and stores the version, atomically. */
    async registerVersion(
      modelName: string,
      record: VersionRecord,
      referenceProfile: Uint8Array | undefined,
      context: ChangeContext,
    ): Promise<{ version: number; changeId: string }> {
      const model = keys.model(modelName);
      const { sha256 } = record.artifact;
      const parent = record.lineage.parentVersion;
      const reply = await runScript(
        redis,
        'tributaryRegistryRegisterVersion',
        [keys.models, model.meta, model.versions, model.digests, model.audit, keys.outbox],
        [
          modelName,
          sha256,
          JSON.stringify(record),
          referenceProfile === undefined ? '' : Buffer.from(referenceProfile.buffer, referenceProfile.byteOffset, referenceProfile.byteLength),
          context.atMs,
          context.actor,
          context.reason,
          parent === undefined ? '' : parent,
          model.versionPrefix,
        ],
      );
      const [status, first, second] = reply;
      if (status === 'ALREADY_EXISTS') throw new ModelVersionAlreadyExistsError(modelName, sha256, Number(first));
      if (status === 'PARENT_NOT_FOUND') throw new ModelVersionNotFoundError(modelName, parent as number);
      expectOk(reply);
      return { version: Number(first), changeId: String(second) };
    },

    /** Records an approval on a version; a version is approved once. */
    async approveVersion(modelName: string, version: number, context: ChangeContext): Promise<string> {
      const model = keys.model(modelName);
      const approval: Approval = { approvedBy: context.actor, approvedAtMs: context.atMs, reason: context.reason };
      const reply = await runScript(
        redis,
        'tributaryRegistryApproveVersion',
        [model.meta, model.versions, model.audit, keys.outbox],
        [modelName, version, JSON.stringify(approval), context.atMs, context.actor, context.reason, model.versionPrefix],
      );
      if (reply[0] === 'MODEL_NOT_FOUND') throw new ModelNotFoundError(modelName);
      if (reply[0] === 'VERSION_NOT_FOUND') throw new ModelVersionNotFoundError(modelName, version);
      if (reply[0] === 'ALREADY_APPROVED') throw new VersionAlreadyApprovedError(modelName, version);
      expectOk(reply);
      return String(reply[1]);
    },

    /**
     * Points `alias` at `version` if it currently points at `expectedVersion`
     * (`null`: not set; `undefined`: whatever it points at), and if
     * `requiresApproval`, only at an approved version.
     */
    async setAlias(
      modelName: string,
      alias: Alias,
      version: number,
      expectedVersion: number | null | undefined,
      requiresApproval: boolean,
      context: ChangeContext,
    ): Promise<AliasMove> {
      const model = keys.model(modelName);
      const reply = await runScript(
        redis,
        'tributaryRegistrySetAlias',
        [model.meta, model.versions, model.aliases, model.aliasHistory(alias), model.audit, keys.outbox],
        [
          modelName,
          alias,
          version,
          expectedArgument(expectedVersion),
          context.atMs,
          context.actor,
          context.reason,
          requiresApproval ? '1' : '0',
          model.versionPrefix,
          aliasHistoryLength,
        ],
      );
      const [status, current, changeId] = reply;
      if (status === 'MODEL_NOT_FOUND') throw new ModelNotFoundError(modelName);
      if (status === 'VERSION_NOT_FOUND') throw new ModelVersionNotFoundError(modelName, version);
      if (status === 'CONFLICT') throw new AliasConflictError(modelName, alias, expectedVersion ?? null, optionalVersion(current));
      if (status === 'APPROVAL_REQUIRED') throw new ApprovalRequiredError(modelName, version, alias);
      if (status === 'UNCHANGED') return { modelName, alias, previousVersion: version, version };
      expectOk(reply);
      return { modelName, alias, previousVersion: optionalVersion(current), version, changeId: String(changeId) };
    },

    /** Moves `alias` back to its previous target, if it currently points at `expectedVersion` (`undefined`: any). */
    async rollBackAlias(modelName: string, alias: Alias, expectedVersion: number | undefined, context: ChangeContext): Promise<AliasMove> {
      const model = keys.model(modelName);
      const reply = await runScript(
        redis,
        'tributaryRegistryRollBackAlias',
        [model.meta, model.aliases, model.aliasHistory(alias), model.audit, keys.outbox],
        [modelName, alias, expectedVersion === undefined ? ANY : expectedVersion, context.atMs, context.actor, context.reason],
      );
      const [status, target, current, changeId] = reply;
      if (status === 'MODEL_NOT_FOUND') throw new ModelNotFoundError(modelName);
      if (status === 'CONFLICT') throw new AliasConflictError(modelName, alias, expectedVersion ?? null, optionalVersion(target));
      if (status === 'NOTHING_TO_ROLL_BACK') throw new NothingToRollBackError(modelName, alias);
      expectOk(reply);
      return { modelName, alias, previousVersion: optionalVersion(current), version: Number(target), changeId: String(changeId) };
    },

    /**
     * Removes `alias` if it currently points at `expectedVersion` (`null`: not
     * set, which always conflicts; `undefined`: whatever it points at).
     */
    async deleteAlias(modelName: string, alias: Alias, expectedVersion: number | null | undefined, context: ChangeContext): Promise<AliasMove> {
      const model = keys.model(modelName);
      const reply = await runScript(
        redis,
        'tributaryRegistryDeleteAlias',
        [model.meta, model.aliases, model.aliasHistory(alias), model.audit, keys.outbox],
        [modelName, alias, expectedArgument(expectedVersion), context.atMs, context.actor, context.reason],
      );
      const [status, current, changeId] = reply;
      if (status === 'MODEL_NOT_FOUND') throw new ModelNotFoundError(modelName);
      if (status === 'ALIAS_NOT_SET') throw new AliasNotSetError(modelName, alias);
      if (status === 'CONFLICT') throw new AliasConflictError(modelName, alias, expectedVersion ?? null, optionalVersion(current));
      expectOk(reply);
      return { modelName, alias, previousVersion: optionalVersion(current), version: null, changeId: String(changeId) };
    },

    /** Reads one version; throws if the model or the version does not exist. */
    async getVersion(modelName: string, version: number): Promise<ModelVersion> {
      const [found] = await readVersions(modelName, [version]);
      if (found) return found;
      await requireModel(modelName, keys.model(modelName));
      throw new ModelVersionNotFoundError(modelName, version);
    },

    /** Reads up to `limit` versions of a model, newest first, below `beforeVersion` if given. */
    async listVersionsNewestFirst(modelName: string, beforeVersion: number | undefined, limit: number): Promise<ModelVersion[]> {
      const model = keys.model(modelName);
      const max = beforeVersion === undefined ? '+inf' : `(${beforeVersion}`;
      const members = await redis.zrevrangebyscore(model.versions, max, '-inf', 'LIMIT', 0, limit);
      if (members.length === 0) await requireModel(modelName, model);
      return readVersions(modelName, members.map(Number));
    },

    /** The reference profile stored with a version, if it has one. */
    async getReferenceProfile(modelName: string, version: number): Promise<Uint8Array | undefined> {
      const model = keys.model(modelName);
      const [exists, profile] = unwrap(await redis.multi().exists(model.version(version)).hgetBuffer(model.version(version), 'profile').exec());
      if (exists === 0) {
        await requireModel(modelName, model);
        throw new ModelVersionNotFoundError(modelName, version);
      }
      return profile === null ? undefined : new Uint8Array(profile as Buffer);
    },

    /** Where each alias of the model points. */
    async getAliases(modelName: string): Promise<Partial<Record<Alias, number>>> {
      const model = keys.model(modelName);
      const [exists, stored] = unwrap(await redis.multi().exists(model.meta).hgetall(model.aliases).exec());
      if (exists === 0) throw new ModelNotFoundError(modelName);
      return Object.fromEntries(Object.entries(stored as Record<string, string>).map(([alias, version]) => [alias, Number(version)]));
    },

    /** Every model name, sorted. */
    async listModels(): Promise<string[]> {
      return (await redis.smembers(keys.models)).sort();
    },

    /** The model's audit history, oldest first, after the entry `afterId` (exclusive) if given. */
    async getAuditHistory(modelName: string, afterId: string | undefined, limit: number): Promise<ModelChange[]> {
      const model = keys.model(modelName);
      const entries = await redis.xrange(model.audit, afterId === undefined ? '-' : `(${afterId}`, '+', 'COUNT', limit);
      if (entries.length === 0) await requireModel(modelName, model);
      return entries.map(([id, fields]) => decodeChange(id, modelName, fieldMap(fields)));
    },

    /** Changes not yet published, oldest first. */
    async readOutbox(limit: number): Promise<PendingChange[]> {
      const cursor = await redis.get(keys.outboxCursor);
      const entries = await redis.xrange(keys.outbox, cursor === null ? '-' : `(${cursor}`, '+', 'COUNT', limit);
      return entries.map(([outboxId, fields]) => {
        const map = fieldMap(fields);
        return { outboxId, change: decodeChange(map.get('audit_id') ?? outboxId, map.get('model') ?? '', map) };
      });
    },

    /** Marks the outbox published up to and including `outboxId`. */
    async acknowledgeOutbox(outboxId: string): Promise<void> {
      await runScript(redis, 'tributaryRegistryAcknowledgeOutbox', [keys.outbox, keys.outboxCursor], [outboxId]);
    },
  });
}

/** `store` with every operation waiting for `migrated` first. */
function afterMigration<Store extends Record<string, (...args: never[]) => Promise<unknown>>>(migrated: () => Promise<unknown>, store: Store): Store {
  return Object.fromEntries(
    Object.entries(store).map(([name, operation]) => [
      name,
      async (...args: never[]) => {
        await migrated();
        return operation(...args);
      },
    ]),
  ) as Store;
}

function decodeVersion(
  modelName: string,
  version: number,
  stored: { record: string; status: string | null | undefined; createdAtMs: string | null | undefined; approval: string | null | undefined },
  aliases: readonly Alias[],
): ModelVersion {
  const record = JSON.parse(stored.record) as VersionRecord;
  return {
    modelName,
    version,
    createdAtMs: Number(stored.createdAtMs),
    ...record,
    status: stored.status === 'approved' ? 'approved' : 'registered',
    ...(stored.approval ? { approval: JSON.parse(stored.approval) as Approval } : {}),
    aliases,
  };
}

function decodeChange(id: string, modelName: string, fields: ReadonlyMap<string, string>): ModelChange {
  const version = fields.get('version');
  const alias = fields.get('alias');
  const previousVersion = fields.get('previous_version');
  return {
    id,
    sequence: Number(fields.get('sequence')),
    kind: fields.get('kind') as ChangeKind,
    modelName,
    ...(version === undefined ? {} : { version: Number(version) }),
    ...(alias === undefined ? {} : { alias: alias as Alias }),
    ...(previousVersion === undefined ? {} : { previousVersion: Number(previousVersion) }),
    actor: fields.get('actor') ?? '',
    reason: fields.get('reason') ?? '',
    atMs: Number(fields.get('at_ms')),
  };
}

function fieldMap(fields: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  return map;
}

function invertAliases(stored: Record<string, string>): Map<number, Alias[]> {
  const byVersion = new Map<number, Alias[]>();
  for (const alias of ALIASES) {
    const version = stored[alias];
    if (version === undefined) continue;
    const list = byVersion.get(Number(version)) ?? [];
    list.push(alias);
    byVersion.set(Number(version), list);
  }
  return byVersion;
}

/** An expected alias target as the scripts take it: `*` for any, `''` for not set. */
function expectedArgument(expectedVersion: number | null | undefined): string {
  return expectedVersion === undefined ? ANY : expectedVersion === null ? '' : String(expectedVersion);
}

function optionalVersion(value: string | number | undefined): number | null {
  return value === undefined || value === '' ? null : Number(value);
}

function expectOk(reply: ScriptReply): void {
  if (reply[0] !== 'OK') throw new TributaryError(Code.Internal, `registry script answered ${reply.join(' ')}`);
}

/** The replies of a MULTI, throwing the first command error. */
function unwrap(results: [error: Error | null, result: unknown][] | null): unknown[] {
  if (!results) throw new TributaryError(Code.Internal, 'Redis transaction was discarded', { retryable: true });
  return results.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}
