import type { RegistryClient } from '@tributary/model-registry/client';
import type { Logger } from '@tributary/observability';
import { loadVersion, type LoadedVersion, type VersionLoaderOptions } from './loaded-version.js';
import type { ServedModelStatus, ServedVersionStatus } from './served-model-status.js';
import { servingMetrics } from './serving-metrics.js';

/** The aliases the pipeline serves: requests go to `champion` (and a canary share to `challenger`); `shadow` scores copies. */
export const SERVED_ALIASES = ['champion', 'challenger', 'shadow'] as const;

/** The tag the trainer puts on a primary version: the version number of its fallback model. */
export const FALLBACK_VERSION_TAG = 'fallback_version';

/** Options of {@link createModelCatalog}. */
export interface ModelCatalogOptions {
  readonly models: readonly string[];
  /** Through the registry breaker: a registry outage fails these calls fast. */
  readonly registry: Pick<RegistryClient, 'getByAlias' | 'downloadArtifact'>;
  readonly loader: VersionLoaderOptions;
  readonly threshold: number;
  readonly drainTimeoutMs: number;
  readonly logger: Logger;
}

/** The versions the registry's aliases point at, loaded, with their fallback models. */
export interface ModelCatalog {
  /** The version `alias` of `modelName` points at, when loaded. */
  byAlias(modelName: string, alias: string): LoadedVersion | undefined;
  /** A loaded version by number (an alias target or a fallback model). */
  byVersion(modelName: string, version: number): LoadedVersion | undefined;
  /** Whether `modelName` is one of the served models. */
  serves(modelName: string): boolean;
  /**
   * Whether `modelName` serves what the registry names as its champion: the
   * champion is loaded, or the last refresh found that the registry has none
   * yet (a new platform: nothing better can be loaded, so rules and the default
   * answer). False until a refresh has reached the registry.
   */
  settled(modelName: string): boolean;
  status(): ServedModelStatus[];
  /**
   * Reads where the aliases point; loads and warms new targets (and their
   * fallback models) in the background, then swaps them in at once and
   * drains the versions no alias uses any more. A registry outage or a
   * version that does not load leaves what serves now in place.
   */
  refresh(modelName: string): Promise<void>;
  /** Waits for refreshes in flight, then retires every version. */
  close(): Promise<void>;
}

interface ModelState {
  aliases: ReadonlyMap<string, LoadedVersion>;
  /** The last refresh that reached the registry found no champion. */
  championAbsent: boolean;
  readonly versions: Map<number, LoadedVersion>;
  refreshing: Promise<void>;
}

/** A {@link ModelCatalog}: one state per served model, changed only by serialized refreshes. */
export function createModelCatalog(options: ModelCatalogOptions): ModelCatalog {
  const { registry, logger } = options;
  const states = new Map<string, ModelState>(
    options.models.map((name) => [name, { aliases: new Map(), championAbsent: false, versions: new Map(), refreshing: Promise.resolve() }]),
  );
  const metrics = servingMetrics();

  async function ensureLoaded(state: ModelState, modelName: string, version: number, featureNames: readonly string[]): Promise<LoadedVersion> {
    const loaded = state.versions.get(version);
    if (loaded) return loaded;
    const started = performance.now();
    const artifact = await registry.downloadArtifact(modelName, version);
    const fresh = await loadVersion(options.loader, modelName, version, artifact, featureNames);
    state.versions.set(version, fresh);
    metrics.versionLoads.inc({ model: modelName });
    logger.info({ model: modelName, version, modelType: fresh.modelType, loadMs: Math.round(performance.now() - started) }, 'model version loaded and warmed');
    return fresh;
  }

  async function refreshModel(modelName: string, state: ModelState): Promise<void> {
    const next = new Map<string, LoadedVersion>();
    let championAbsent = false;
    for (const alias of SERVED_ALIASES) {
      const current = state.aliases.get(alias);
      let record;
      try {
        record = await registry.getByAlias(modelName, alias);
      } catch (error) {
        logger.warn({ err: error, model: modelName, alias }, 'registry unreachable; serving the loaded versions');
        return;
      }
      if (!record) {
        if (alias === 'champion') championAbsent = true;
        continue;
      }
      try {
        const primary = await ensureLoaded(state, modelName, record.version, record.featureNames);
        const fallbackVersion = Number(record.tags[FALLBACK_VERSION_TAG] ?? 0);
        if (fallbackVersion > 0 && !primary.fallback) {
          primary.fallback = await ensureLoaded(state, modelName, fallbackVersion, []).catch((error: unknown) => {
            logger.error({ err: error, model: modelName, version: fallbackVersion }, 'fallback model did not load; its primary serves without it');
            return undefined;
          });
        }
        next.set(alias, primary);
      } catch (error) {
        logger.error({ err: error, model: modelName, alias, version: record.version }, 'version did not load; the alias keeps its current version');
        if (current) next.set(alias, current);
      }
    }
    const before = state.aliases;
    state.championAbsent = championAbsent;
    state.aliases = next; // the swap: requests routed from now on see only the new targets
    for (const [alias, version] of next) {
      if (before.get(alias) !== version) logger.info({ model: modelName, alias, version: version.version, previous: before.get(alias)?.version }, 'alias now served');
    }
    const inUse = new Set<LoadedVersion>();
    for (const version of next.values()) {
      inUse.add(version);
      if (version.fallback) inUse.add(version.fallback);
    }
    const retiring = [...state.versions.values()].filter((version) => !inUse.has(version));
    for (const version of retiring) state.versions.delete(version.version);
    // Fallback models last: a request still holding its old primary may yet fall back to them.
    const fallbacks = new Set(retiring.map((version) => version.fallback));
    const retire = (versions: LoadedVersion[]) =>
      Promise.all(
        versions.map(async (version) => {
          await version.retire(options.drainTimeoutMs);
          logger.info({ model: modelName, version: version.version }, 'model version drained and unloaded');
        }),
      );
    await retire(retiring.filter((version) => !fallbacks.has(version)));
    await retire(retiring.filter((version) => fallbacks.has(version)));
  }

  const versionStatus = (state: ModelState, version: LoadedVersion): ServedVersionStatus => {
    const aliases = [...state.aliases].filter(([, target]) => target === version).map(([alias]) => alias);
    return {
      version: version.version,
      aliases,
      role: aliases.length > 0 ? 'primary' : 'fallback',
      ready: true,
      modelType: version.modelType,
      features: version.features,
      threshold: options.threshold,
      maxBatchSize: options.loader.maxBatchSize,
      statistics: version.statistics.snapshot(),
    };
  };

  const stateOf = (modelName: string): ModelState | undefined => states.get(modelName);

  return {
    byAlias: (modelName, alias) => stateOf(modelName)?.aliases.get(alias),
    byVersion: (modelName, version) => stateOf(modelName)?.versions.get(version),
    serves: (modelName) => states.has(modelName),
    settled: (modelName) => {
      const state = stateOf(modelName);
      return state !== undefined && (state.aliases.has('champion') || state.championAbsent);
    },
    status: () =>
      [...states].map(([name, state]) => ({
        name,
        versions: [...state.versions.values()].sort((a, b) => b.version - a.version).map((version) => versionStatus(state, version)),
      })),
    refresh(modelName) {
      const state = states.get(modelName);
      if (!state) return Promise.resolve();
      state.refreshing = state.refreshing.catch(() => undefined).then(() => refreshModel(modelName, state));
      return state.refreshing;
    },
    async close() {
      await Promise.all(
        [...states.values()].map(async (state) => {
          await state.refreshing.catch(() => undefined);
          state.aliases = new Map();
          const versions = [...state.versions.values()];
          state.versions.clear();
          await Promise.all(versions.map((version) => version.retire(options.drainTimeoutMs)));
        }),
      );
    },
  };
}
