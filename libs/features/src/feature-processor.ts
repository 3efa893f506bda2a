import type { Cluster, Redis } from 'ioredis';
import { withSpan, type Logger } from '@tributary/observability';
import { isRetryable } from '@tributary/errors';
import { retry, type RetryOptions } from '@tributary/resilience';
import { createAggregationEngine, type AggregationEngine, type ApplyResult, type RejectedRecord } from './aggregation-engine.js';
import { compileAggregationPlan } from './aggregation-plan.js';
import { createEngineStateStore, type EngineStateStore } from './engine-state-store.js';
import { StateOwnershipLostError } from './errors.js';
import type { FeatureRecord } from './feature-event.js';
import type { FeatureDefinition, FeatureSet } from './feature-set.js';
import type { FeatureSnapshot } from './feature-snapshot.js';
import { featureMetrics } from './metrics.js';
import type { OfflineStore } from './offline-store.js';
import type { OnlineStore } from './online-store.js';
import { createStateLease } from './state-lease.js';

/** Options of {@link createFeatureProcessor}. */
export interface FeatureProcessorOptions<Definitions extends readonly FeatureDefinition[]> {
  readonly featureSet: FeatureSet<Definitions>;
  /** A Redis connection of the processor's own (the checkpoint WATCHes a key). */
  readonly redis: Redis | Cluster;
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
   * The end of each asked source, fetched when called (never from a cache):
   * the offset the next record written to it will get, e.g. a partition's log
   * end offset. A source left out of the answer is unknown. This is how the
   * processor tells an idle source from one with a backlog; see
   * `idleSourceTimeoutMs`. Default none: no source is ever idle.
   */
  readonly endOffsetsOf?: (sources: readonly string[]) => Promise<ReadonlyMap<string, bigint>>;
  /**
   * A source stops holding the watermark back only when it is idle: it has
   * delivered nothing for this long (wall clock, since the processor took
   * over the state or since its last record) AND `endOffsetsOf`, asked after
   * the batch being applied was fetched, shows everything in it applied — as
   * it has at every check for at least this long, at the same end. A
   * source that is merely quiet — records waiting after a pause, a restart or
   * a rebalance — or whose end is unknown keeps holding it, so a consumer
   * catching up never makes good events too late. Default 30 000.
   */
  readonly idleSourceTimeoutMs?: number;
  /**
   * Processors sharing one state (instances of a consumer group, each with
   * some partitions) take turns: one holds it for at least this long, in ms,
   * then passes it to another that asked. Default 2000.
   */
  readonly turnMs?: number;
  /**
   * How long a turn lasts unrenewed, in ms: how long a processor that died
   * keeps the others waiting. Default 10 000.
   */
  readonly leaseMs?: number;
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
  /**
   * Takes over the saved state (fencing off an older owner), waiting for its
   * turn if another processor holds it. Idempotent; `process` calls it.
   */
  start(): Promise<void>;
  /**
   * Aggregates a batch and makes it durable in both stores; resolves once its
   * checkpoint is in. Batches are applied in call order; a batch may be
   * applied while the one before is still being written (call again without
   * waiting, e.g. for another partition), and checkpoints follow call order.
   * On failure the in-memory state is dropped and reloaded on the next call.
   * Traced as an `aggregate features` span (records, accepted, snapshots) in
   * the active trace: the consumer span of the records' topic.
   */
  process(records: readonly FeatureRecord[]): Promise<ProcessResult>;
  /** Seals the engine at `timeMs` (see {@link AggregationEngine.seal}) and writes what it emits. */
  seal(timeMs: number): Promise<number>;
  /** Deletes the saved aggregation state (not the stores' values), e.g. before a backfill replaces everything. */
  clearState(): Promise<void>;
  /**
   * Waits for the batches in progress to be durable, then gives the state's
   * lease up, so another instance takes its turn at once instead of after
   * `leaseMs` (scaling in, a rolling restart). Call before closing Redis.
   */
  close(): Promise<void>;
}

/** Creates a processor; see {@link FeatureProcessor}. */
export function createFeatureProcessor<Definitions extends readonly FeatureDefinition[]>(
  options: FeatureProcessorOptions<Definitions>,
): FeatureProcessor {
  const { featureSet, redis, onlineStore, offlineStore, allowedLatenessMs, onRejected, logger, sources, endOffsetsOf, idleSourceTimeoutMs = 30_000 } = options;
  const { turnMs = 2000, leaseMs = 10_000 } = options;
  const retryOptions: RetryOptions = options.retry ?? { retries: 3, baseDelayMs: 100 };
  // A lost state is reloaded by the next call, not by trying the same commit again.
  const commitRetryOptions: RetryOptions = { ...retryOptions, shouldRetry: (reason, attempt) => !(reason instanceof StateOwnershipLostError) && (retryOptions.shouldRetry ?? isRetryable)(reason, attempt) };
  const metrics = featureMetrics();
  const statePrefix = options.statePrefix ?? onlineStore.prefix;
  const stateStore: EngineStateStore = createEngineStateStore({ redis, plan: compileAggregationPlan(featureSet), version: featureSet.version, prefix: statePrefix });
  const lease = createStateLease({ redis, key: `${statePrefix}:{_state}:lease`, leaseMs });
  /**
   * The engine this process owns under `epoch`, the chain of its batches'
   * checkpoints (each after the one before), and when its turn began and its
   * lease was last renewed (wall clock).
   */
  let owned: { epoch: number; engine: AggregationEngine; committed: Promise<void>; turnStartedAtMs: number; renewedAtMs: number } | undefined;
  let startedAtMs = Date.now();
  /** Wall-clock time each source last delivered, for idleness. */
  const deliveredAtMs = new Map<string, number>();
  /** The sources left out of the watermark at the last apply, to log when that changes. */
  let idleBefore: ReadonlySet<string> = new Set();
  /**
   * Per quiet source, since when consecutive checks have seen it caught up at
   * the same end offset (a record written in between restarts the clock).
   */
  const caughtUpSince = new Map<string, { readonly end: bigint; readonly sinceMs: number }>();
  /** Quiet sources the end offsets say nothing about (e.g. an unfinished backfill's), warned about once each. */
  const unknownEnds = new Set<string>();
  /** Applies run one at a time, in call order; the writes they start overlap. */
  let applying: Promise<unknown> = Promise.resolve();

  /**
   * Whether this process goes on with the state it holds: false once its
   * lease expired, or once its turn is over and another processor asked for
   * the state — then handed over only after its own checkpoints are in, so
   * the next owner's epoch fences none of them off.
   */
  async function keepsTurn(current: NonNullable<typeof owned>): Promise<boolean> {
    const nowMs = Date.now();
    if (nowMs - current.turnStartedAtMs >= turnMs) {
      // A failed checkpoint has dropped `owned` already (see run): the state is reloaded then.
      if (!(await current.committed.then(() => true, () => false)) || (await lease.handOver())) return false;
      current.turnStartedAtMs = nowMs;
    }
    if (nowMs - current.renewedAtMs >= leaseMs / 3) {
      if (!(await lease.renew())) {
        await current.committed.catch(() => undefined);
        return false;
      }
      current.renewedAtMs = nowMs;
    }
    return owned === current;
  }

  /**
   * The state this process owns: kept while its turn lasts; otherwise, once
   * the lease is its own again, a new epoch — and the saved state reloaded
   * unless nobody took it meanwhile (the engine in memory is then what was saved).
   */
  async function ensureStarted() {
    if (owned && (await keepsTurn(owned))) return owned;
    const kept = owned;
    owned = undefined;
    await lease.acquire();
    const acquired = await retry(() => stateStore.acquire(kept?.epoch), retryOptions);
    const nowMs = Date.now();
    if (kept && acquired.unchanged) {
      owned = { ...kept, epoch: acquired.epoch, turnStartedAtMs: nowMs, renewedAtMs: nowMs };
      return owned;
    }
    const { epoch, state } = acquired;
    const engine = createAggregationEngine({
      featureSet,
      ...(allowedLatenessMs === undefined ? {} : { allowedLatenessMs }),
      ...(state ? { state } : {}),
      ...(sources ? { sources } : {}),
    });
    startedAtMs = nowMs;
    caughtUpSince.clear();
    const positions = Object.fromEntries([...(state?.positions ?? [])].map(([source, p]) => [source, p.offset.toString()]));
    logger?.info({ epoch, version: featureSet.version, positions, buckets: state?.buckets.length ?? 0 }, 'feature state loaded');
    owned = { epoch, engine, committed: Promise.resolve(), turnStartedAtMs: nowMs, renewedAtMs: nowMs };
    return owned;
  }

  /**
   * Runs `change` on the owned engine after the applies before it, then makes
   * its batch durable: side output, then snapshots into ClickHouse and online
   * values into Redis together (both overwrite with the same values if the
   * batch is redone), then — after the previous batch's — the checkpoint. The
   * next batch may be applied while this one is written; if any write fails,
   * the engine (ahead of what was saved) is dropped, every batch applied on it
   * fails too, and the next call reloads the checkpoint.
   */
  function run<T>(change: (engine: AggregationEngine) => Promise<{ result: T; snapshots: readonly FeatureSnapshot[]; rejected: readonly RejectedRecord[] }>): Promise<T> {
    const applied = applying.then(async () => {
      const current = await ensureStarted();
      const { epoch } = current;
      const { result, snapshots, rejected } = await change(current.engine);
      const prepared = stateStore.prepare(current.engine.takeChanges());
      const durable = (async () => {
        if (rejected.length > 0) await onRejected?.(rejected);
        if (snapshots.length === 0) return;
        await Promise.all([retry(() => offlineStore.write(snapshots), retryOptions), retry(() => onlineStore.write(snapshots), retryOptions)]);
      })();
      // Handled here too: if an earlier checkpoint failed, this batch's writes are never awaited below.
      durable.catch(() => undefined);
      const committed = current.committed.then(() => durable).then(() => retry(() => stateStore.commit(epoch, prepared), commitRetryOptions));
      current.committed = committed;
      committed.catch(() => {
        if (owned === current) owned = undefined;
      });
      return { committed, result };
    });
    applying = applied.catch(() => {
      owned = undefined;
    });
    return applied.then(async ({ committed, result }) => {
      await committed;
      return result;
    });
  }

  /**
   * The sources idle now: quiet for the timeout and, by end offsets fetched
   * now — after the batch about to be applied was fetched, so no record
   * fetched before it can be missed — with nothing left to apply, as every
   * check for at least the timeout has seen them. A cached
   * answer would bring back the race this rules out: a partition seen caught
   * up just before the producer wrote to it. Quiet sources are rare while data
   * flows, so a busy stream never asks.
   */
  async function idleSources(engine: AggregationEngine, records: readonly FeatureRecord[]): Promise<ReadonlySet<string>> {
    const nowMs = Date.now();
    let previous: string | undefined;
    for (const record of records) {
      if (record.source === previous) continue;
      previous = record.source;
      deliveredAtMs.set(record.source, nowMs);
    }
    const quiet: string[] = [];
    for (const source of engine.positions.keys()) {
      if (nowMs - Math.max(startedAtMs, deliveredAtMs.get(source) ?? Number.NEGATIVE_INFINITY) >= idleSourceTimeoutMs) quiet.push(source);
      else caughtUpSince.delete(source);
    }
    let idle: ReadonlySet<string> = new Set();
    if (quiet.length > 0 && endOffsetsOf) {
      try {
        const ends = await endOffsetsOf(quiet);
        for (const source of quiet) {
          if (ends.has(source) || unknownEnds.has(source)) continue;
          unknownEnds.add(source);
          logger?.warn({ source }, 'a quiet source has no known end and holds the watermark until it delivers; if it never will (an unfinished backfill), finish or redo it');
        }
        // Caught up at one instant is not enough: after a broker restart the producer's retries
        // reach the partitions one by one, and the first to get its records would run the
        // watermark past the others'. Idle means seen caught up, at an unchanged end, for the timeout.
        idle = new Set(quiet.filter((source) => {
          const end = ends.get(source);
          const applied = engine.positions.get(source)?.offset;
          if (end === undefined || applied === undefined || applied + 1n < end) {
            caughtUpSince.delete(source);
            return false;
          }
          const seen = caughtUpSince.get(source);
          if (seen?.end !== end) {
            caughtUpSince.set(source, { end, sinceMs: nowMs });
            return idleSourceTimeoutMs === 0;
          }
          return nowMs - seen.sinceMs >= idleSourceTimeoutMs;
        }));
      } catch (error) {
        for (const source of quiet) caughtUpSince.delete(source);
        // Unknown ends hold the watermark: a window that waits is right later, an event made too late is lost.
        logger?.warn({ err: error, sources: quiet }, 'source end offsets unavailable; quiet sources keep holding the watermark');
      }
    }
    if (idle.size !== idleBefore.size || [...idle].some((source) => !idleBefore.has(source))) {
      logger?.info({ idle: [...idle], quiet }, 'idle sources changed');
      idleBefore = idle;
    }
    return idle;
  }

  return {
    async start() {
      const started = applying.then(ensureStarted);
      applying = started.catch(() => undefined);
      await started;
    },
    process(records) {
      return withSpan('aggregate features', async (span) => {
        const stopTimer = metrics.batchSeconds.startTimer();
        const result = await run(async (engine) => {
          const idle = await idleSources(engine, records);
          const { snapshots, ...applied } = engine.apply(records, { isIdle: (source) => idle.has(source) });
          if (applied.rejected.length > 0) logger?.warn({ rejected: applied.rejected.length, first: applied.rejected[0]?.detail }, 'events not counted');
          return { result: { ...applied, snapshots: snapshots.length }, snapshots, rejected: applied.rejected };
        });
        metrics.records.inc({ outcome: 'accepted' }, result.accepted);
        metrics.records.inc({ outcome: 'duplicate' }, result.duplicates);
        metrics.records.inc({ outcome: 'ignored' }, result.ignored);
        for (const { reason } of result.rejected) metrics.records.inc({ outcome: reason });
        stopTimer();
        span.setAttributes({ 'tributary.features.records': records.length, 'tributary.features.accepted': result.accepted, 'tributary.features.snapshots': result.snapshots });
        return result;
      });
    },
    seal(timeMs) {
      return run(async (engine) => {
        const snapshots = engine.seal(timeMs);
        return { result: snapshots.length, snapshots, rejected: [] };
      });
    },
    async clearState() {
      const cleared = applying.then(async () => {
        await owned?.committed.catch(() => undefined);
        await stateStore.clear();
        owned = undefined;
      });
      applying = cleared.catch(() => undefined);
      await cleared;
    },
    async close() {
      await applying;
      await owned?.committed.catch(() => undefined);
      owned = undefined;
      await lease.release();
    },
  };
}
