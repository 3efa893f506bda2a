import type { Redis } from 'ioredis';
import type { Logger } from '@tributary/observability';
import { retry, type RetryOptions } from '@tributary/resilience';
import { createAggregationEngine, type AggregationEngine, type ApplyResult, type RejectedRecord } from './aggregation-engine.js';
import { compileAggregationPlan } from './aggregation-plan.js';
import { createEngineStateStore, type EngineStateStore } from './engine-state-store.js';
import type { FeatureRecord } from './feature-event.js';
import type { FeatureDefinition, FeatureSet } from './feature-set.js';
import type { FeatureSnapshot } from './feature-snapshot.js';
import { featureMetrics } from './metrics.js';
import type { OfflineStore } from './offline-store.js';
import type { OnlineStore } from './online-store.js';

/** Options of {@link createFeatureProcessor}. */
export interface FeatureProcessorOptions<Definitions extends readonly FeatureDefinition[]> {
  readonly featureSet: FeatureSet<Definitions>;
  /** A Redis connection of the processor's own (the checkpoint WATCHes a key). */
  readonly redis: Redis;
  readonly onlineStore: OnlineStore<Definitions>;
  readonly offlineStore: OfflineStore<Definitions>;
  /** How late an event may be and still count; see the engine options. Default 60 000. */
  readonly allowedLatenessMs?: number;
  /** Prefix of the checkpoint keys. Default: the online store's prefix. */
  readonly statePrefix?: string;
  /**
   * Receives the records the engine refused (too late, invalid) before the
   * batch is committed, e.g. to send them to the DLQ; if it throws, the batch
   * fails and is retried. Default: they are only counted and logged.
   */
  readonly onRejected?: (rejected: readonly RejectedRecord[]) => Promise<void>;
  /** Sources that hold the watermark back from the start, e.g. every partition of the topic; see the engine options. Default none. */
  readonly sources?: readonly string[];
  /**
   * A source that has delivered nothing for this long (wall clock, since the
   * processor started or its last record) stops holding the watermark back,
   * so an idle partition does not stop every window. Default 30 000.
   */
  readonly idleSourceTimeoutMs?: number;
  /** Retries of each store write. Default: 3 retries of retryable errors, 100 ms base. */
  readonly retry?: RetryOptions;
  readonly logger?: Logger;
}

/** The outcome of one batch. */
export type ProcessResult = Omit<ApplyResult, 'snapshots'> & { readonly snapshots: number };

/**
 * Runs batches through the aggregation engine into both stores, in the order
 * that makes a crash at any point harmless: side output; then the offline
 * insert and the online values together (re-inserting the same rows is
 * collapsed by the ReplacingMergeTree, rewriting the same values changes
 * nothing); then one Redis MULTI with the engine changes and the source
 * offsets. Only after that may the caller commit to Kafka; records at or below
 * the saved offsets are skipped when they come again.
 */
export interface FeatureProcessor {
  /** Takes over the saved state (fencing off an older owner). Idempotent; `process` calls it. */
  start(): Promise<void>;
  /** Aggregates a batch and writes both stores; calls run one at a time. On failure the in-memory state is dropped and reloaded on the next call. */
  process(records: readonly FeatureRecord[]): Promise<ProcessResult>;
  /** Seals the engine at `timeMs` (see {@link AggregationEngine.seal}) and writes what it emits. */
  seal(timeMs: number): Promise<number>;
  /** Deletes the saved aggregation state (not the stores' values), e.g. before a backfill replaces everything. */
  clearState(): Promise<void>;
}

/** Creates a processor; see {@link FeatureProcessor}. */
export function createFeatureProcessor<Definitions extends readonly FeatureDefinition[]>(
  options: FeatureProcessorOptions<Definitions>,
): FeatureProcessor {
  const { featureSet, redis, onlineStore, offlineStore, allowedLatenessMs, onRejected, logger, sources, idleSourceTimeoutMs = 30_000 } = options;
  const retryOptions: RetryOptions = options.retry ?? { retries: 3, baseDelayMs: 100 };
  const metrics = featureMetrics();
  const stateStore: EngineStateStore = createEngineStateStore({
    redis,
    plan: compileAggregationPlan(featureSet),
    version: featureSet.version,
    prefix: options.statePrefix ?? onlineStore.prefix,
  });
  let owned: { epoch: number; engine: AggregationEngine } | undefined;
  let startedAtMs = Date.now();
  /** Wall-clock time each source last delivered, for idleness. */
  const deliveredAtMs = new Map<string, number>();
  let starting: Promise<{ epoch: number; engine: AggregationEngine }> | undefined;

  async function ensureStarted() {
    if (owned) return owned;
    starting ??= (async () => {
      const { epoch, state } = await retry(() => stateStore.acquire(), retryOptions);
      const engine = createAggregationEngine({
        featureSet,
        ...(allowedLatenessMs === undefined ? {} : { allowedLatenessMs }),
        ...(state ? { state } : {}),
        ...(sources ? { sources } : {}),
      });
      startedAtMs = Date.now();
      logger?.info({ epoch, version: featureSet.version, sources: state ? Object.fromEntries([...state.positions].map(([s, p]) => [s, p.offset.toString()])) : {}, buckets: state?.buckets.length ?? 0 }, 'feature state loaded');
      return { epoch, engine };
    })().finally(() => {
      starting = undefined;
    });
    owned = await starting;
    return owned;
  }

  /**
   * Makes a batch durable: snapshots into ClickHouse and the online values into
   * Redis at the same time (both overwrite with the same values if the batch
   * is redone), then the checkpoint — only once both are in.
   */
  async function write(epoch: number, engine: AggregationEngine, snapshots: readonly FeatureSnapshot[]): Promise<void> {
    const changes = engine.takeChanges();
    if (snapshots.length > 0) {
      await Promise.all([retry(() => offlineStore.write(snapshots), retryOptions), retry(() => onlineStore.write(snapshots), retryOptions)]);
    }
    await retry(() => stateStore.commit(epoch, changes), retryOptions);
  }

  let queue: Promise<unknown> = Promise.resolve();

  /**
   * Runs `work` on the owned engine, one call at a time (a batch applied while
   * another is being written would be checkpointed before its rows are in
   * ClickHouse); if it fails, forgets the engine, whose memory may be ahead of
   * what was saved, so the next call reloads the checkpoint.
   */
  function withEngine<T>(work: (epoch: number, engine: AggregationEngine) => Promise<T>): Promise<T> {
    const run = queue.then(async () => {
      const { epoch, engine } = await ensureStarted();
      try {
        return await work(epoch, engine);
      } catch (error) {
        owned = undefined;
        throw error;
      }
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    async start() {
      await ensureStarted();
    },
    process(records) {
      return withEngine(async (epoch, engine) => {
        const stopTimer = metrics.batchSeconds.startTimer();
        const nowMs = Date.now();
        for (const record of records) deliveredAtMs.set(record.source, nowMs);
        const isIdle = (source: string) => nowMs - Math.max(startedAtMs, deliveredAtMs.get(source) ?? Number.NEGATIVE_INFINITY) > idleSourceTimeoutMs;
        const { snapshots, ...result } = engine.apply(records, { isIdle });
        if (result.rejected.length > 0) {
          logger?.warn({ rejected: result.rejected.length, first: result.rejected[0]?.detail }, 'events not counted');
          await onRejected?.(result.rejected);
        }
        await write(epoch, engine, snapshots);
        metrics.records.inc({ outcome: 'accepted' }, result.accepted);
        metrics.records.inc({ outcome: 'duplicate' }, result.duplicates);
        metrics.records.inc({ outcome: 'ignored' }, result.ignored);
        for (const { reason } of result.rejected) metrics.records.inc({ outcome: reason });
        stopTimer();
        return { ...result, snapshots: snapshots.length };
      });
    },
    clearState() {
      const run = queue.then(async () => {
        await stateStore.clear();
        owned = undefined;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    seal(timeMs) {
      return withEngine(async (epoch, engine) => {
        const snapshots = engine.seal(timeMs);
        await write(epoch, engine, snapshots);
        return snapshots.length;
      });
    },
  };
}
