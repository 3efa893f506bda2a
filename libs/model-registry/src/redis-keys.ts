import type { Alias } from './model-version.js';

/**
 * Where the registry keeps what in Redis. Model names never contain `:`
 * (see `assertModelName`), so no two models' keys can collide. Every key
 * carries the hash tag `{registry}`: its scripts write a model's keys and the
 * shared outbox together, so on a Redis Cluster all of them share one slot.
 */
export interface RegistryKeys {
  /** Set of every model name. */
  readonly models: string;
  /** Stream of every change of every model, waiting to be published. */
  readonly outbox: string;
  /** Id of the last outbox entry published. */
  readonly outboxCursor: string;
  model(modelName: string): ModelKeys;
}

/** The keys of one model. */
export interface ModelKeys {
  /** Hash: `last_version`, `created_at_ms`, `approval_required`. */
  readonly meta: string;
  /** Sorted set of version numbers (score = member = version). */
  readonly versions: string;
  /** Hash: artifact sha256 → version, so the same artifact is not registered twice. */
  readonly digests: string;
  /** Hash: alias → version. */
  readonly aliases: string;
  /** Stream: the model's audit history. */
  readonly audit: string;
  /** Prefix of a version's hash key; the version number follows. */
  readonly versionPrefix: string;
  /** List of versions an alias pointed at, newest first: what a rollback goes back to. */
  aliasHistory(alias: Alias): string;
  version(version: number): string;
}

/** The hash tag of every registry key, after the prefix. */
export const REGISTRY_HASH_TAG = '{registry}';

/** The key layout under `prefix`: `<prefix>:{registry}:…`. */
export function registryKeys(prefix: string): RegistryKeys {
  const root = `${prefix}:${REGISTRY_HASH_TAG}`;
  return {
    models: `${root}:models`,
    outbox: `${root}:outbox`,
    outboxCursor: `${root}:outbox:cursor`,
    model(modelName) {
      const base = `${root}:model:${modelName}`;
      const versionPrefix = `${base}:version:`;
      return {
        meta: base,
        versions: `${base}:versions`,
        digests: `${base}:digests`,
        aliases: `${base}:aliases`,
        audit: `${base}:audit`,
        versionPrefix,
        aliasHistory: (alias) => `${base}:alias-history:${alias}`,
        version: (version) => `${versionPrefix}${version}`,
      };
    },
  };
}
