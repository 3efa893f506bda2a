import { trace } from '@opentelemetry/api';
import {
  FLIGHT_ATTRIBUTE_NAMES,
  entityId,
  flightAttributes,
  flightFeatureNames,
  flightFeatureSet,
  flightFeatureVector,
} from '@tributary/features';
import { createConsumer, createKafkaClient, topics, type TypedConsumer } from '@tributary/kafka';
import { createLogger, withSpan } from '@tributary/observability';
import { createBreaker, createFallbackChain, isCallerError, type Breaker } from '@tributary/resilience';
import { inCanaryShare } from './canary-share.js';
import {
  DeadlineExceededError,
  InvalidInputError,
  ModelExecutionError,
  ModelNotFoundError,
  OverloadedError,
  PipelineClosedError,
  TierUnavailableError,
} from './errors.js';
import { explainAnswer } from './explain-answer.js';
import { buildFeatureRow, checkRequest, type FeatureSource } from './feature-row.js';
import type { LoadedVersion } from './loaded-version.js';
import { createLoopDelayMonitor, type LoopDelayMonitor } from './loop-delay-monitor.js';
import { createModelCatalog, type ModelCatalog } from './model-catalog.js';
import { createOnnxWorkerPool, type OnnxWorkerPool } from './onnx-worker-pool.js';
import { createPredictionCache, type PredictionCache } from './prediction-cache.js';
import { PROTO_SERVING_TIERS } from './predict-response.js';
import { createPredictionLogShipper, type PredictionLogShipper } from './prediction-log-shipper.js';
import { createRulesTier } from './rules-tier.js';
import type { ServedModelStatus } from './served-model-status.js';
import type { ServingAnswer, ServingTier } from './serving-answer.js';
import { servingMetrics } from './serving-metrics.js';
import type { ServingPipelineOptions } from './serving-pipeline-options.js';
import type { FlightQuery, ServingRequest } from './serving-request.js';

/**
 * The one predict path every protocol of the inference service shares:
 * features (request, online store, declared defaults) → cache → the model an
 * alias points at, run micro-batched in worker threads → fallback model →
 * rules → default, then the answer logged asynchronously.
 */
export interface ServingPipeline {
  /**
   * Answers one request. Fails with `InvalidInputError` (bad input),
   * `ModelNotFoundError`, `OverloadedError` (shed) or `DeadlineExceededError`;
   * a failing dependency is never an error while a later tier can answer.
   */
  predict(request: ServingRequest): Promise<ServingAnswer>;
  /**
   * Answers each request independently (an error in place of an answer), in order; rows of one version share
   * micro-batches. The batch is one call to admission: refused whole, at once, when the pipeline is closed or full.
   */
  predictMany(requests: readonly ServingRequest[]): Promise<readonly (ServingAnswer | Error)[]>;
  /** The served models and their loaded versions, for model metadata, readiness and statistics. */
  models(): readonly ServedModelStatus[];
  /** Whether the pipeline runs and every served model serves its registry champion: loaded, or none registered yet (rules and the default answer). */
  ready(): boolean;
  /** Loads what the aliases point at, starts the workers, the lifecycle consumer, the poll and the log producer. Idempotent. */
  start(): Promise<void>;
  /** Stops intake, drains requests in flight, flushes logs, closes workers and clients it opened. Idempotent. */
  close(): Promise<void>;
}

/** What the tiers of the chain get. */
interface TierInput {
  readonly request: ServingRequest;
  readonly version: LoadedVersion;
  readonly row: Float32Array;
}

/** A breaker around runs of one tier's model: (version, row, deadline) → probability. */
type ModelBreaker = Breaker<[LoadedVersion, Float32Array, number], number>;

/** What a tier answers. */
interface TierAnswer {
  readonly probability: number;
  readonly modelVersion: number;
  readonly cached: boolean;
}

const ONLINE_FEATURE_NAMES = flightFeatureNames(flightFeatureSet);
const CHAMPION = 'champion';

/** The serving pipeline of {@link ServingPipelineOptions}; call `start()` before the first request. */
export function createServingPipeline(options: ServingPipelineOptions): ServingPipeline {
  const modelNames = options.models ?? ['flight-delay'];
  const logger = options.logger ?? createLogger({ name: 'serving' });
  const execution = { workers: 2, maxBatchSize: 64, maxQueueDelayMs: 0, maxQueuedRows: 1_024, maxInFlightRequests: 256, loopDelayTurns: 8, ...options.execution };
  const budgets = { onlineStoreBudgetMs: 25, primaryBudgetMs: 50, fallbackBudgetMs: 25, ...options.resilience };
  const breakerOptions = {
    errorThresholdPercentage: options.resilience?.errorThresholdPercentage ?? 50,
    volumeThreshold: options.resilience?.volumeThreshold ?? 10,
    resetTimeoutMs: options.resilience?.resetTimeoutMs ?? 5_000,
    rollingWindowMs: options.resilience?.rollingWindowMs ?? 10_000,
    logger,
  };
  const canaryShare = options.routing?.canaryShare ?? 0;
  if (!(canaryShare >= 0 && canaryShare <= 1)) throw new RangeError(`canaryShare must be in [0, 1], got ${canaryShare}`);
  const shadowOn = options.routing?.shadow ?? true;
  const shadowBudgetMs = options.routing?.shadowBudgetMs ?? 1_000;
  const threshold = options.threshold ?? 0.5;
  const defaultProbability = options.defaultProbability ?? 0.2;
  const rules = createRulesTier(options.rules);
  const metrics = servingMetrics();
  const { faults, onlineStore } = options;

  // Overload is not the model's failure: it neither opens a breaker nor sends the request down the chain.
  const isModelFailure = (error: unknown) => !isCallerError(error) && !(error instanceof OverloadedError);

  const registryAlias = createBreaker('serving-registry', (model: string, alias: string) => options.registry.getByAlias(model, alias), {
    ...breakerOptions,
    timeoutMs: 5_000,
  });
  const registryArtifacts = createBreaker(
    'serving-registry-artifacts',
    (model: string, version: number) => options.registry.downloadArtifact(model, version),
    { ...breakerOptions, timeoutMs: 120_000 },
  );
  const onlineRead = onlineStore
    ? createBreaker('serving-online-store', (flight: FlightQuery, timeoutMs: number) => flightFeatureVector(onlineStore, flight, { timeoutMs }), {
        ...breakerOptions,
        timeoutMs: false,
      })
    : undefined;
  const modelBreaker = (tier: string, modelName: string) =>
    createBreaker(
      `serving-${tier}:${modelName}`,
      async (version: LoadedVersion, row: Float32Array, deadlineAtMs: number) => {
        if (tier === 'primary' && faults) await injectFaults(faults, deadlineAtMs);
        return version.batcher.submit(row, deadlineAtMs);
      },
      { ...breakerOptions, timeoutMs: false, isFailure: isModelFailure },
    );
  // One breaker per tier and served model: one model's trouble never sends another's requests down the chain.
  const primaryBreakers = new Map(modelNames.map((name) => [name, modelBreaker('primary', name)]));
  const fallbackBreakers = new Map(modelNames.map((name) => [name, modelBreaker('fallback-model', name)]));
  const breakerOf = (breakers: typeof primaryBreakers, modelName: string) => breakers.get(modelName) as ModelBreaker;

  let pool: OnnxWorkerPool | undefined;
  let catalog: ModelCatalog | undefined;
  let cache: PredictionCache | undefined;
  let predictionLogger: PredictionLogShipper | undefined;
  let consumer: TypedConsumer | undefined;
  let loopDelay: LoopDelayMonitor | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let running = false;
  let inFlight = 0;

  const runModel = async (breaker: ModelBreaker, version: LoadedVersion, row: Float32Array, deadlineAtMs: number) => {
    const started = process.hrtime.bigint();
    try {
      const probability = await breaker.fire(version, row, deadlineAtMs);
      version.statistics.success(Number(process.hrtime.bigint() - started));
      return probability;
    } catch (error) {
      version.statistics.fail(Number(process.hrtime.bigint() - started));
      throw error;
    }
  };

  const chain = createFallbackChain<TierInput, TierAnswer>(
    [
      {
        tier: 'primary',
        async run({ request, version, row }) {
          const now = Date.now();
          const remaining = request.deadlineAtMs - now;
          const reserve = version.fallback ? Math.min(budgets.fallbackBudgetMs, remaining / 4) : 0;
          const deadline = Math.min(now + budgets.primaryBudgetMs, request.deadlineAtMs - reserve);
          if (cache) {
            const started = process.hrtime.bigint();
            const hit = await cache.get(version.modelName, version.version, row);
            const ns = Number(process.hrtime.bigint() - started);
            if (hit !== undefined) {
              version.statistics.cacheHit(ns);
              version.statistics.success(ns);
              return { probability: hit, modelVersion: version.version, cached: true };
            }
            version.statistics.cacheMiss(ns);
          }
          const probability = await runModel(breakerOf(primaryBreakers, version.modelName), version, row, deadline);
          cache?.set(version.modelName, version.version, row, probability);
          return { probability, modelVersion: version.version, cached: false };
        },
      },
      {
        tier: 'fallback_model',
        async run({ request, version, row }) {
          const fallback = version.fallback;
          if (!fallback) throw new TierUnavailableError('fallback_model', `no fallback model is registered with ${version.modelName} v${version.version}`);
          const deadline = Math.min(Date.now() + budgets.fallbackBudgetMs, request.deadlineAtMs);
          const probability = await runModel(breakerOf(fallbackBreakers, version.modelName), fallback, row, deadline);
          return { probability, modelVersion: fallback.version, cached: false };
        },
      },
      {
        tier: 'rules',
        run({ version, row }) {
          const probability = rules((name) => {
            const column = version.featureIndex.get(name);
            return column === undefined ? Number.NaN : (row[column] as number);
          });
          if (probability === undefined) throw new TierUnavailableError('rules', 'none of their features has a value');
          return { probability, modelVersion: 0, cached: false };
        },
      },
      { tier: 'default', run: () => ({ probability: defaultProbability, modelVersion: 0, cached: false }) },
    ],
    { name: 'serving', logger, shouldFallBack: (error, tier) => isModelFailure(error) || (tier !== 'primary' && error instanceof OverloadedError) },
  );

  function route(request: ServingRequest): { version: LoadedVersion; alias: string } {
    const served = catalog as ModelCatalog;
    if (!served.serves(request.model)) throw new ModelNotFoundError(request.model);
    if (request.version !== undefined) {
      const version = served.byVersion(request.model, request.version);
      if (!version) throw new ModelNotFoundError(request.model, `version ${request.version}`);
      return { version, alias: `version:${request.version}` };
    }
    const alias = request.alias ?? CHAMPION;
    if (alias === CHAMPION && canaryShare > 0) {
      const challenger = served.byAlias(request.model, 'challenger');
      if (challenger && inCanaryShare(entityKeyOf(request), canaryShare)) return { version: challenger, alias: 'challenger' };
    }
    const version = served.byAlias(request.model, alias);
    if (!version) throw new ModelNotFoundError(request.model, `alias ${alias}`);
    return { version, alias };
  }

  async function featureSources(request: ServingRequest): Promise<FeatureSource[]> {
    const { flight } = request;
    if (!flight) return [];
    const attributes = flightAttributes(flight);
    const own: FeatureSource = { names: FLIGHT_ATTRIBUTE_NAMES, values: FLIGHT_ATTRIBUTE_NAMES.map((name) => attributes[name]) };
    if (!onlineRead) return [own];
    const budgetMs = Math.min(budgets.onlineStoreBudgetMs, (request.deadlineAtMs - Date.now()) / 2);
    if (budgetMs < 1) return [own];
    try {
      const values = await onlineRead.fire(flight, budgetMs);
      metrics.onlineReads.inc({ outcome: 'ok' });
      return [{ names: ONLINE_FEATURE_NAMES, values }];
    } catch (error) {
      metrics.onlineReads.inc({ outcome: 'failed' });
      logger.debug({ err: error, requestId: request.requestId }, 'online features unavailable; request values and defaults answer');
      return [own];
    }
  }

  async function answer(request: ServingRequest, startedAt: number): Promise<ServingAnswer> {
    checkRequest(request);
    if (request.deadlineAtMs <= Date.now()) throw new DeadlineExceededError('admission', Date.now() - request.deadlineAtMs);
    const { version, alias } = route(request);
    const release = version.acquire();
    try {
      // No flight, nothing to read: no promise and no extra turn on the hot path of vector and by-name requests.
      const sources = request.flight ? await featureSources(request) : NO_SOURCES;
      const row = buildFeatureRow(version.features, version.featureIndex, request, sources);
      const result = await chain.run({ request, version, row: row.values });
      const tier = result.tier as ServingTier;
      const { probability, modelVersion, cached } = result.value;
      // Asked for only: the plain prediction path never waits for an explanation.
      const explained = request.explain ? await explainAnswer(version, tier, row.values, request.deadlineAtMs) : undefined;
      const served: ServingAnswer = {
        probability,
        prediction: probability >= threshold ? 1 : 0,
        modelName: request.model,
        modelVersion,
        alias,
        tier,
        defaultedFeatures: row.defaulted,
        cached,
        latencyMs: performance.now() - startedAt,
        ...explained,
      };
      metrics.answers.inc({ model: request.model, alias, tier });
      metrics.answerSeconds.observe({ model: request.model, tier }, served.latencyMs / 1000);
      logPrediction(request, version, row.values, served, false);
      if (shadowOn && alias === CHAMPION) scoreShadow(request, sources);
      return served;
    } finally {
      release();
    }
  }

  function scoreShadow(request: ServingRequest, sources: readonly FeatureSource[]): void {
    const shadow = catalog?.byAlias(request.model, 'shadow');
    if (!shadow || shadow === catalog?.byAlias(request.model, CHAMPION)) return;
    setImmediate(() => {
      const startedAt = performance.now();
      const release = shadow.acquire();
      let row: Float32Array;
      let defaulted: readonly string[];
      try {
        ({ values: row, defaulted } = buildFeatureRow(shadow.features, shadow.featureIndex, request, sources));
      } catch {
        release();
        metrics.shadow.inc({ outcome: 'skipped' });
        return;
      }
      shadow.batcher
        .submit(row, Date.now() + shadowBudgetMs)
        .then((probability) => {
          metrics.shadow.inc({ outcome: 'ok' });
          const latencyMs = performance.now() - startedAt;
          logPrediction(request, shadow, row, {
            probability,
            prediction: probability >= threshold ? 1 : 0,
            modelName: request.model,
            modelVersion: shadow.version,
            alias: 'shadow',
            tier: 'primary',
            defaultedFeatures: defaulted,
            cached: false,
            latencyMs,
          }, true);
        })
        .catch(() => metrics.shadow.inc({ outcome: 'failed' }))
        .finally(release);
    });
  }

  function logPrediction(request: ServingRequest, version: LoadedVersion, row: Float32Array, served: ServingAnswer, shadow: boolean): void {
    if (!predictionLogger) return;
    const { flight } = request;
    predictionLogger.log({
      requestId: request.requestId,
      modelName: request.model,
      modelVersion: served.modelVersion,
      alias: served.alias,
      servedBy: PROTO_SERVING_TIERS[served.tier],
      shadow,
      predictionTimeMs: Date.now(),
      entityIds: flight ? { origin: flight.origin, destination: flight.destination, route: entityId(flight.origin, flight.destination) } : NO_ENTITIES,
      features: version.features,
      row,
      prediction: served.prediction,
      probability: served.probability,
      latencyMs: served.latencyMs,
      eventId: request.eventId ?? '',
      defaultedFeatures: served.defaultedFeatures,
      traceId: request.traceId ?? trace.getActiveSpan()?.spanContext().traceId ?? '',
    });
  }

  /**
   * Lets one call in (a single request or a whole batch), or refuses it at once: closed, already at the most calls in
   * flight, Kafka taking the prediction logs more slowly than they come (an answer is not given if its log would be
   * dropped), or the event loop so late that the call could not answer by `deadlineAtMs`.
   */
  async function admitted<T>(model: string, deadlineAtMs: number, work: () => Promise<T>): Promise<T> {
    if (!running) {
      metrics.refused.inc({ model, reason: 'closed' });
      throw new PipelineClosedError(closing ? 'closed' : 'not started');
    }
    if (inFlight >= execution.maxInFlightRequests) {
      metrics.refused.inc({ model, reason: 'overloaded' });
      throw new OverloadedError('admission', `${inFlight} calls in flight, the most the service takes at once`);
    }
    if (predictionLogger?.behind) {
      metrics.refused.inc({ model, reason: 'overloaded' });
      throw new OverloadedError('admission', `${predictionLogger.buffered} prediction logs wait for Kafka, which takes them more slowly than they come`);
    }
    // A deadline already passed is the deadline's refusal (DEADLINE_EXCEEDED), not a shed.
    const delayMs = loopDelay?.delayMs ?? 0;
    const remainingMs = deadlineAtMs - Date.now();
    if (delayMs > 0 && remainingMs > 0 && delayMs * execution.loopDelayTurns >= remainingMs) {
      metrics.refused.inc({ model, reason: 'overloaded' });
      throw new OverloadedError('admission', `the event loop runs ${Math.round(delayMs)} ms behind, too late for the deadline`);
    }
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
    }
  }

  /** {@link answer}, its refusal counted. */
  async function answerCounted(request: ServingRequest, startedAt: number): Promise<ServingAnswer> {
    try {
      return await answer(request, startedAt);
    } catch (error) {
      metrics.refused.inc({ model: request.model, reason: refusalReason(error) });
      throw error;
    }
  }

  // One span per call: a request's model run and prediction log hang under it, and so do those of every item of a
  // batch (a span and an async context per item cost more than the item's share of its model run).
  // Attributes only on a recorded span (a sampled trace): an unsampled request builds no attribute objects.
  function predictOne(request: ServingRequest, startedAt: number): Promise<ServingAnswer> {
    return withSpan('serving pipeline', async (span) => {
      const recording = span.isRecording();
      if (recording) span.setAttribute('tributary.model', request.model);
      const served = await answerCounted(request, startedAt);
      if (recording) {
        span.setAttributes({ 'tributary.model.version': served.modelVersion, 'tributary.serving.tier': served.tier, 'tributary.serving.alias': served.alias });
      }
      return served;
    });
  }

  function predictBatch(requests: readonly ServingRequest[], startedAt: number): Promise<readonly (ServingAnswer | Error)[]> {
    return withSpan('serving pipeline', (span) => {
      if (span.isRecording()) span.setAttributes({ 'tributary.model': requests[0]?.model ?? '', 'tributary.batch.requests': requests.length });
      return Promise.all(requests.map((request) => answerCounted(request, startedAt).catch((error: unknown) => error as Error)));
    });
  }

  async function startPipeline(): Promise<void> {
    pool = createOnnxWorkerPool({ workers: execution.workers, logger });
    if (execution.loopDelayTurns > 0) loopDelay = createLoopDelayMonitor();
    catalog = createModelCatalog({
      models: modelNames,
      registry: { getByAlias: (m, a) => registryAlias.fire(m, a), downloadArtifact: (m, v) => registryArtifacts.fire(m, v) },
      loader: { pool, maxBatchSize: execution.maxBatchSize, maxQueueDelayMs: execution.maxQueueDelayMs, maxQueuedRows: execution.maxQueuedRows },
      threshold,
      drainTimeoutMs: options.drainTimeoutMs ?? 5_000,
      logger,
    });
    if (options.cache) cache = createPredictionCache(options.cache, breakerOptions, logger);
    const refreshAll = () => Promise.all(modelNames.map((name) => (catalog as ModelCatalog).refresh(name)));
    await refreshAll();
    pollTimer = setInterval(() => void refreshAll(), options.pollIntervalMs ?? 30_000);
    pollTimer.unref();
    const kafka = options.kafka;
    if (kafka) {
      predictionLogger = createPredictionLogShipper({
        connection: kafka.connection,
        topic: kafka.predictionsTopic ?? topics.predictionsLogged.name,
        maxBuffered: kafka.maxBufferedLogs ?? 10_000,
        logger,
      });
      consumer = createConsumer({
        kafka: createKafkaClient({ ...kafka.connection, logger }),
        groupId: kafka.groupId ?? `inference-${crypto.randomUUID()}`,
        topic: { ...topics.modelLifecycle, name: kafka.lifecycleTopic ?? topics.modelLifecycle.name },
        ...(kafka.deadLetterTopic === undefined ? {} : { deadLetterTopic: kafka.deadLetterTopic }),
        fromBeginning: false,
        logger,
        handler: async (record) => {
          if (modelNames.includes(record.value.modelName)) await catalog?.refresh(record.value.modelName);
        },
      });
      // Not waited for: Kafka down at start must not hold serving up; the registry poll finds alias moves meanwhile.
      consumer.start().catch((error: unknown) => logger.warn({ err: error }, 'model.lifecycle unavailable; the registry poll finds alias moves'));
    }
    running = true;
    logger.info({ models: modelNames, workers: execution.workers, ready: isReady() }, 'serving pipeline started');
  }

  function isReady(): boolean {
    return running && modelNames.every((name) => catalog?.settled(name) === true);
  }

  async function closePipeline(): Promise<void> {
    await starting?.catch(() => undefined);
    running = false;
    if (pollTimer) clearInterval(pollTimer);
    const drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
    // With Kafka down the consumer's join may retry for long: it is given up rather than holding shutdown.
    await Promise.race([consumer?.close(), sleep(drainTimeoutMs)]);
    const until = Date.now() + drainTimeoutMs;
    while (inFlight > 0 && Date.now() < until) await sleep(10);
    await predictionLogger?.close(drainTimeoutMs);
    await catalog?.close();
    await pool?.close();
    loopDelay?.close();
    cache?.close();
    for (const breaker of [registryAlias, registryArtifacts, ...primaryBreakers.values(), ...fallbackBreakers.values(), onlineRead]) breaker?.shutdown();
    logger.info('serving pipeline closed');
  }

  return {
    predict(request) {
      const startedAt = performance.now();
      return admitted(request.model, request.deadlineAtMs, () => predictOne(request, startedAt));
    },
    predictMany(requests) {
      const startedAt = performance.now();
      return admitted(requests[0]?.model ?? '', requests[0]?.deadlineAtMs ?? Number.POSITIVE_INFINITY, () => predictBatch(requests, startedAt));
    },
    models: () => catalog?.status() ?? [],
    ready: isReady,
    start() {
      if (closing) return Promise.reject(new PipelineClosedError('closed'));
      starting ??= startPipeline();
      return starting;
    },
    close() {
      closing ??= closePipeline();
      return closing;
    },
  };
}

const NO_SOURCES: readonly FeatureSource[] = [];
const NO_ENTITIES: Readonly<Record<string, string>> = {};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function entityKeyOf(request: ServingRequest): string {
  if (request.entityKey !== undefined) return request.entityKey;
  return request.flight ? entityId(request.flight.origin, request.flight.destination) : request.requestId;
}

async function injectFaults(faults: NonNullable<ServingPipelineOptions['faults']>, deadlineAtMs: number): Promise<void> {
  if (faults.primaryFails) throw new ModelExecutionError('injected fault: the primary model fails');
  if (faults.primaryDelayMs <= 0) return;
  const remainingMs = deadlineAtMs - Date.now();
  if (faults.primaryDelayMs < remainingMs) return sleep(faults.primaryDelayMs);
  // A delay the deadline cuts short always ends in the deadline: a timer may fire a little before the wall clock's ms ticks.
  if (remainingMs > 0) await sleep(remainingMs);
  throw new DeadlineExceededError('primary model (injected delay)', Math.max(0, Date.now() - deadlineAtMs));
}

function refusalReason(error: unknown): string {
  if (error instanceof InvalidInputError) return 'invalid';
  if (error instanceof ModelNotFoundError) return 'not_found';
  if (error instanceof OverloadedError) return 'overloaded';
  if (error instanceof DeadlineExceededError) return 'deadline';
  return 'other';
}
