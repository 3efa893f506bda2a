import { createRequire } from 'node:module';
import type { ModelVersion, TrainingRequest } from '@tributary/contracts';
import { createLogger, type Logger } from '@tributary/observability';
import type { RegistryClient } from '@tributary/model-registry/client';
import { findEarlierDelivery, type RegisteredPair } from './earlier-delivery.js';
import { fetchChampion } from './fetch-champion.js';
import { evaluationFromMetrics, type ModelEvaluation } from './evaluate-model.js';
import type { FittedModel } from './fit-candidates.js';
import { fitInWorker, type TrainingWorkerOptions } from './fit-in-worker.js';
import { buildFlightDataset, type FlightFeatureSource } from './flight-dataset.js';
import type { LabelSource } from './flight-labels.js';
import { promoteVersion, type PromotionOutcome } from './promote-version.js';
import type { ChampionComparison, PromotionPolicy } from './promotion-policy.js';
import { splitByTime } from './split-by-time.js';
import { StageRunner, type StageReporter } from './stage-runner.js';
import { trainingMetrics } from './training-metrics.js';
import { planTraining, type TrainingPlan, type TrainingPlanOptions } from './training-plan.js';
import type { TrainingProgress } from './training-progress.js';
import { TRAINER_TAGS, versionUpload, type ModelRole } from './version-upload.js';

/** What a training run reads from and writes to; the service and the CLI's `--local` wire the real ones. */
export interface TrainingRunDependencies {
  readonly labels: LabelSource;
  readonly features: FlightFeatureSource;
  readonly registry: RegistryClient;
  /** How open windows are chosen and the models' default parameters. Default: {@link planTraining}'s. */
  readonly plan?: TrainingPlanOptions;
  /** When the new primary replaces the champion. Default: {@link PromotionPolicy}'s defaults. */
  readonly policy?: PromotionPolicy;
  /** Fewest rows of each split. Default 20. */
  readonly minRowsPerSplit?: number;
  /** Recorded as the lineage's code version. Default: `GIT_REVISION`, else this package's version. */
  readonly codeVersion?: string;
  /** Who registers versions and moves aliases. Default `trainer`. */
  readonly actor?: string;
  /** Default: a logger named `training`. */
  readonly logger?: Logger;
  /** The thread that fits the models. Default: Node's limits. */
  readonly worker?: TrainingWorkerOptions;
}

/** Options of one {@link runTraining} call. */
export interface RunTrainingOptions {
  /** Called as the run advances, for progress bars and status lines. */
  readonly onProgress?: (progress: TrainingProgress) => void;
  /**
   * Stops the run if it fires before registration begins (the training
   * worker is terminated at once); nothing is registered then. A run that
   * has begun registering finishes registering and promoting, so that no
   * run stops half-registered.
   */
  readonly signal?: AbortSignal;
  /**
   * Called once both versions are registered, before any alias moves; the
   * run waits for it. For tests of what a crash at that point leaves behind
   * (the trainer's test fault hook kills its process here).
   */
  readonly onRegistered?: (registered: RegisteredVersions) => void | Promise<void>;
}

/** A version the run registered (or found registered by an earlier delivery of the same request). */
export interface RegisteredModel {
  readonly role: ModelRole;
  readonly version: number;
  readonly modelType: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** The two versions of a run. */
export interface RegisteredVersions {
  readonly primary: RegisteredModel;
  readonly fallback: RegisteredModel;
}

/** What a run did. */
export interface TrainingRunResult extends RegisteredVersions {
  /**
   * `registered`: this run trained and registered; `duplicate`: an earlier
   * delivery of the request had registered both versions, so this one
   * trained nothing and only finished the promotion (a no-op when the
   * earlier delivery had finished it too).
   */
  readonly outcome: 'registered' | 'duplicate';
  readonly requestId: string;
  readonly modelName: string;
  /** The champion the primary was compared with (for a duplicate, as the earlier delivery recorded it). */
  readonly champion: ChampionComparison;
  /** Alias moves and the policy's reasoning. */
  readonly promotion: PromotionOutcome;
}

/** This package's version: the code version of runs where `GIT_REVISION` is unset. */
const packageVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * One training run, stage by stage: labels for the windows, the point-in-time
 * training set, a time split, GBDT (early-stopped on the validation window)
 * and logistic regression, both evaluated on the holdout beside the current
 * champion, exported to ONNX and verified in ONNX Runtime (max |Δp| ≤ 1e-5 on
 * the holdout, else the run fails), reference profiles, registration and the
 * promotion policy. The CPU-bound stages, from training to profiling, run in
 * a worker thread ({@link fitInWorker}); reading data and talking to the
 * registry stay on the calling thread.
 *
 * Registration order is what keeps a failed run from leaving half a model:
 * the fallback is registered first, then the primary, which names the fallback
 * in its `fallback_version` tag. Each registration is atomic in the registry.
 * A run that dies between the two leaves a complete fallback version that no
 * alias and no primary points at; the redelivered request finds it by its
 * `training_request_id` tag and reuses it instead of registering another. A
 * run that dies after registering both and before moving the aliases (a
 * SIGKILL, a lost node) leaves a request that is delivered again: that
 * delivery finds the verified pair ({@link findEarlierDelivery}), trains
 * nothing, and runs the promotion the first began, with the evaluation and
 * champion comparison the primary recorded; alias moves are compare-and-set
 * and skip an alias already pointing at the primary, so finishing twice moves
 * nothing twice. Aliases only ever point at primaries.
 *
 * @throws InvalidTrainingRequestError before any work when the request is malformed.
 * @throws TrainingStageError naming the stage that failed, retryable when its cause is.
 */
export async function runTraining(request: TrainingRequest, deps: TrainingRunDependencies, options: RunTrainingOptions = {}): Promise<TrainingRunResult> {
  const plan = planTraining(request, deps.plan);
  const logger = (deps.logger ?? createLogger({ name: 'training' })).child({ requestId: plan.requestId, modelName: plan.modelName });
  const metrics = trainingMetrics();
  const reporter: StageReporter = {
    progress: (progress) => options.onProgress?.(progress),
    stageEnded: (stage, outcome, seconds) => {
      metrics.stageSeconds.observe({ stage, outcome }, seconds);
      if (outcome === 'ok') logger.debug({ stage, seconds }, 'stage done');
    },
  };
  try {
    const result = await train(request, plan, deps, reporter, options, logger);
    metrics.runs.inc({ outcome: result.outcome });
    return result;
  } catch (error) {
    metrics.runs.inc({ outcome: 'failed' });
    logger.error({ err: error }, 'training run failed');
    throw error;
  }
}

async function train(
  request: TrainingRequest,
  plan: TrainingPlan,
  deps: TrainingRunDependencies,
  reporter: StageReporter,
  options: RunTrainingOptions,
  logger: Logger,
): Promise<TrainingRunResult> {
  const { signal, onRegistered } = options;
  const { registry } = deps;
  const actor = deps.actor ?? 'trainer';
  const run = new StageRunner(plan.requestId, reporter, signal);
  const loaded = await run.stage('loading-labels', async () => {
    const earlier = await findEarlierDelivery(registry, plan.modelName, plan.requestId);
    if (earlier.pair) return { pair: earlier.pair };
    return { earlierFallback: earlier.fallback, flights: await deps.labels.loadLabels({ startMs: plan.train.startMs, endMs: plan.holdout.endMs }) };
  });
  if ('pair' in loaded) return finishEarlierDelivery(loaded.pair, plan, deps, reporter, logger);
  const { flights, earlierFallback } = loaded;
  logger.info({ flights: flights.rowCount, train: plan.train, validation: plan.validation, holdout: plan.holdout }, 'labels loaded');
  // The champion's artifact comes while the point-in-time join runs: the worker scores it on the holdout.
  const { split, championArtifact } = await run.stage('building-training-set', async () => {
    const [dataset, championArtifact] = await Promise.all([buildFlightDataset(flights, deps.features), fetchChampion(registry, plan.modelName)]);
    return { split: splitByTime(dataset, { ...plan, ...(deps.minRowsPerSplit === undefined ? {} : { minRowsPerSplit: deps.minRowsPerSplit }) }), championArtifact };
  });
  const trainingRowCount = split.train.labels.length;
  logger.info({ train: trainingRowCount, validation: split.validation.labels.length, holdout: split.holdout.labels.length }, 'training set built');

  const codeVersion = deps.codeVersion ?? (process.env['GIT_REVISION']?.trim() || `training@${packageVersion}`);
  const fitted = await fitInWorker(
    {
      requestId: plan.requestId,
      modelName: plan.modelName,
      models: plan.models,
      train: split.train,
      validation: split.validation,
      holdout: split.holdout,
      trainWindow: plan.train,
      champion: championArtifact,
      codeVersion,
      featureDefinitionsHash: deps.features.featureSet.version,
    },
    { reporter, ...(signal ? { signal } : {}), ...(deps.worker ? { worker: deps.worker } : {}) },
  );
  const { champion } = fitted;
  if (champion.kind === 'unscored') logger.warn({ version: champion.version, reason: champion.reason }, 'the champion could not be scored on the holdout');
  for (const c of [fitted.fallback, fitted.primary]) logger.info({ role: c.role, auc: c.evaluation.auc, logLoss: c.evaluation.logLoss, brier: c.evaluation.brier }, 'holdout evaluation');

  run.throwIfAborted();
  // From here the run finishes even if cancelled: registering and promoting take seconds, and a
  // run cut between them would leave a registered primary that no alias points at.
  const finishing = new StageRunner(plan.requestId, reporter);
  const parentVersion = champion.kind === 'none' ? 0 : champion.version;
  const registered = await finishing.stage('registering', async (report) => {
    const common = {
      plan,
      featureDefinitionsHash: deps.features.featureSet.version,
      codeVersion,
      parentVersion,
      trainingRowCount,
      actor,
      requestedBy: request.requestedBy,
      driftReportId: request.driftReportId,
    };
    const upload = (c: FittedModel, tags: Record<string, string> = {}) => versionUpload({ ...common, ...c, tags });
    const fallbackVersion = earlierFallback ?? (await registry.register(upload(fitted.fallback), fitted.fallback.artifact));
    if (earlierFallback) logger.info({ version: earlierFallback.version }, 'reusing the fallback registered by an earlier delivery of this request');
    report(0.5);
    const primaryVersion = await registry.register(
      upload(fitted.primary, { [TRAINER_TAGS.fallbackVersion]: String(fallbackVersion.version), [TRAINER_TAGS.primaryChoice]: fitted.primaryChoice }),
      fitted.primary.artifact,
    );
    logger.info({ primaryVersion: primaryVersion.version, fallbackVersion: fallbackVersion.version }, 'versions registered');
    return {
      fallback: { role: 'fallback', version: fallbackVersion.version, modelType: fallbackVersion.modelType, metrics: fallbackVersion.metrics },
      primary: { role: 'primary', version: primaryVersion.version, modelType: primaryVersion.modelType, metrics: primaryVersion.metrics },
    } satisfies Record<ModelRole, RegisteredModel>;
  });
  await onRegistered?.(registered);
  const metrics = trainingMetrics();
  for (const c of [fitted.fallback, fitted.primary]) metrics.holdoutAuc.set({ model: plan.modelName, role: c.role }, c.evaluation.auc);

  // A reused fallback (an earlier delivery's) is judged by what it recorded: it is the one inference would fall back to.
  const fallbackEvaluation = earlierFallback ? evaluationFromMetrics(earlierFallback.metrics, 'holdout_') : fitted.fallback.evaluation;
  const promotion = await finishing.stage('promoting', () => promote(registered.primary.version, fitted.primary.evaluation, fallbackEvaluation, champion, plan, deps, logger));
  return { outcome: 'registered', requestId: plan.requestId, modelName: plan.modelName, ...registered, champion, promotion };
}

function promote(
  version: number,
  evaluation: ModelEvaluation,
  fallbackEvaluation: ModelEvaluation | undefined,
  champion: ChampionComparison,
  plan: TrainingPlan,
  deps: TrainingRunDependencies,
  logger: Logger,
): Promise<PromotionOutcome> {
  const actor = deps.actor ?? 'trainer';
  return promoteVersion({
    registry: deps.registry,
    modelName: plan.modelName,
    version,
    evaluation,
    ...(fallbackEvaluation ? { fallbackEvaluation } : {}),
    champion,
    policy: deps.policy ?? {},
    actor,
    requestId: plan.requestId,
    logger,
  });
}

/**
 * A request an earlier delivery registered both versions of: nothing is
 * trained; the promotion runs as that delivery would have run it (it may have
 * died before, or while, moving the aliases).
 */
async function finishEarlierDelivery(pair: RegisteredPair, plan: TrainingPlan, deps: TrainingRunDependencies, reporter: StageReporter, logger: Logger): Promise<TrainingRunResult> {
  const { primary, fallback, evaluation, champion } = pair;
  logger.info({ primaryVersion: primary.version, fallbackVersion: fallback.version }, 'request already trained and registered; finishing its promotion');
  const finishing = new StageRunner(plan.requestId, reporter);
  const promotion = await finishing.stage('promoting', () => promote(primary.version, evaluation, evaluationFromMetrics(fallback.metrics, 'holdout_'), champion, plan, deps, logger));
  const registered = (role: ModelRole, v: ModelVersion): RegisteredModel => ({ role, version: v.version, modelType: v.modelType, metrics: v.metrics });
  return {
    outcome: 'duplicate',
    requestId: plan.requestId,
    modelName: plan.modelName,
    primary: registered('primary', primary),
    fallback: registered('fallback', fallback),
    champion,
    promotion,
  };
}
