import type { flightFeatureSet, OnlineStore } from '@tributary/features';
import type { RegistryClient } from '@tributary/model-registry/client';
import type { Logger } from '@tributary/observability';
import type { Cluster, Redis } from 'ioredis';
import type { KafkaConnectionOptions } from '@tributary/kafka';
import type { FaultInjector } from './fault-injector.js';

/** How models run: worker threads, micro-batches, bounded queues. */
export interface ExecutionOptions {
  /** Worker threads, each with its own ONNX Runtime session of every loaded version. Default 2. */
  readonly workers?: number;
  /** Rows one model run takes at most. Default 64. */
  readonly maxBatchSize?: number;
  /** How long the first row of a batch may wait for others, in ms; 0 runs whatever is queued at once. Default 0. */
  readonly maxQueueDelayMs?: number;
  /** Rows queued per version beyond which requests are shed with `OverloadedError`. Default 1 024. */
  readonly maxQueuedRows?: number;
  /**
   * Calls answered at once, over every model (a `predictMany` batch is one call; its rows are bounded by
   * `maxQueuedRows`); beyond it a call is shed with `OverloadedError` before any work. It bounds memory and what a
   * saturated event loop owes, which the per-version row queues cannot see. Default 256.
   */
  readonly maxInFlightRequests?: number;
  /**
   * Admission by the event loop's delay: a call is shed at once with `OverloadedError` when the loop runs so late that
   * this many of its turns would outlast the call's deadline. When the loop is the bottleneck, requests wait unread in
   * socket buffers, which no queue of the pipeline sees; each then waits a turn to be read, another for its model's
   * answer, more while the loop stays behind — shedding early keeps what is accepted within its deadline and spends
   * little on what is not. 0 turns it off. Default 8.
   */
  readonly loopDelayTurns?: number;
}

/** Canary and shadow traffic. */
export interface RoutingOptions {
  /** Share of `champion` traffic routed to `challenger` (when one is loaded), sticky per entity key, in [0, 1]. Default 0. */
  readonly canaryShare?: number;
  /** Whether the `shadow` version (when one is loaded) scores a copy of each request, off the response path, only logged. Default true. */
  readonly shadow?: boolean;
  /** Longest a shadow scoring may wait and run, in ms; it holds no caller up, and its queue sheds like any other. Default 1 000. */
  readonly shadowBudgetMs?: number;
}

/** One threshold of the rules tier. */
export interface RuleThreshold {
  /** Feature whose value is compared, e.g. `origin.out_late_share_1h`. */
  readonly feature: string;
  /** The rule answers when the value is at least this. */
  readonly atLeast: number;
  /** Probability answered. */
  readonly probability: number;
}

/** The rules tier: thresholds tried in order on the request's feature values. */
export interface RulesOptions {
  /** Default: origin's late share over 1 h ≥ 0.5 → 0.6, over 24 h ≥ 0.3 → 0.45. */
  readonly thresholds?: readonly RuleThreshold[];
  /** Probability when a threshold's feature has a value but no threshold matched. Default 0.15. Rules pass to the default tier when none of their features has a value. */
  readonly otherwiseProbability?: number;
}

/** Time budgets and breakers of the fallback chain. */
export interface ResilienceOptions {
  /** Longest online feature read, in ms (and never past the request's deadline). Default 25. */
  readonly onlineStoreBudgetMs?: number;
  /** Longest the primary model may take, queue included, before the fallback model is asked, in ms. Default 50. */
  readonly primaryBudgetMs?: number;
  /** Longest the fallback model may take, in ms. Default 25. */
  readonly fallbackBudgetMs?: number;
  /** Failed share in the breakers' rolling window that opens them, in percent. Default 50. */
  readonly errorThresholdPercentage?: number;
  /** Calls a breaker's window must hold before it may open. Default 10. */
  readonly volumeThreshold?: number;
  /** How long an open breaker fails fast before a half-open probe, in ms. Default 5 000. */
  readonly resetTimeoutMs?: number;
  /** The breakers' rolling window, in ms. Default 10 000. */
  readonly rollingWindowMs?: number;
}

/** The prediction cache. */
export interface PredictionCacheOptions {
  /** The cache Redis (its own instance in deploy/; locally the shared one under `prefix`), one server or a cluster. */
  readonly redis: Redis | Cluster;
  /** Key prefix. Default `tributary:predictions`. */
  readonly prefix?: string;
  /** How long an entry lives, in ms. Default 600 000. */
  readonly ttlMs?: number;
  /** Longest a cache read may take before it is skipped, in ms. Default 5. */
  readonly budgetMs?: number;
}

/** Kafka: `model.lifecycle` in, `predictions.logged` out. */
export interface ServingKafkaOptions {
  /** The pipeline's clients are made from these: the lifecycle consumer's, and the producer's of the thread that sends prediction logs. */
  readonly connection: KafkaConnectionOptions;
  /** `model.lifecycle`'s name. Default `model.lifecycle`. */
  readonly lifecycleTopic?: string;
  /** `predictions.logged`'s name. Default `predictions.logged`. */
  readonly predictionsTopic?: string;
  /** Where the lifecycle consumer dead-letters a record it cannot read. Default `events.dlq`. */
  readonly deadLetterTopic?: string;
  /** Consumer group of the lifecycle consumer; every replica needs its own so each sees every event. Default `inference-<random>`. */
  readonly groupId?: string;
  /** Prediction logs kept while Kafka is unreachable; beyond it the oldest are dropped and counted. Default 10 000. */
  readonly maxBufferedLogs?: number;
}

/** Options of {@link createServingPipeline}. */
export interface ServingPipelineOptions {
  /** Where versions, aliases and artifacts come from. */
  readonly registry: RegistryClient;
  /** Models served. Default `['flight-delay']`. */
  readonly models?: readonly string[];
  /** The flights online store (the feature pipeline's Redis). Without it, flight features are the flight's own attributes and request values; the rest take defaults. */
  readonly onlineStore?: OnlineStore<typeof flightFeatureSet.features>;
  /** Prediction cache. Default: none. */
  readonly cache?: PredictionCacheOptions;
  /** Lifecycle events and prediction logs. Default: none (versions found by polling only; predictions not logged). */
  readonly kafka?: ServingKafkaOptions;
  readonly execution?: ExecutionOptions;
  readonly routing?: RoutingOptions;
  readonly resilience?: ResilienceOptions;
  readonly rules?: RulesOptions;
  /** Probability the default tier answers. Default 0.2 (about the flights' overall late share). */
  readonly defaultProbability?: number;
  /** Probability at or above which `prediction` is 1. Default 0.5. */
  readonly threshold?: number;
  /** How often the registry is polled for alias moves (safety net behind `model.lifecycle`), in ms. Default 30 000. */
  readonly pollIntervalMs?: number;
  /** How long a replaced version keeps serving requests already routed to it before its sessions close, in ms. Default 5 000. */
  readonly drainTimeoutMs?: number;
  /** Default: a logger named `serving`. */
  readonly logger?: Logger;
  /** Test-only faults (`@tributary/serving/testing`). Default: none. */
  readonly faults?: FaultInjector;
}
