import { createRequire } from 'node:module';
import type { ModelVersion, ReferenceProfile, TrainingRequest } from '@tributary/contracts';
import { buildReferenceProfile } from '@tributary/drift';
import { Code, TributaryError } from '@tributary/errors';
import {
  exportOnnx,
  trainGbdt,
  trainLogisticRegression,
  verifyOnnxParity,
  type GbdtModel,
  type LogisticRegressionModel,
} from '@tributary/ml';
import { createLogger, type Logger } from '@tributary/observability';
import { TrainingStageError } from './errors.js';
import { evaluateModel, evaluationMetrics, type ModelEvaluation } from './evaluate-model.js';
import { buildFlightDataset, type FlightFeatureSource } from './flight-dataset.js';
import type { LabelSource } from './flight-labels.js';
import { promoteVersion, type PromotionOutcome } from './promote-version.js';
import type { ChampionComparison, PromotionPolicy } from './promotion-policy.js';
import { scoreChampion } from './score-champion.js';
import { splitByTime } from './split-by-time.js';
import { timeWindowOf } from './time-range.js';
import type { TrainerRegistry } from './trainer-registry.js';
import { trainingMetrics } from './training-metrics.js';
import { planTraining, type TrainingPlan, type TrainingPlanOptions } from './training-plan.js';
import { overallFraction, type TrainingProgress, type TrainingStage } from './training-progress.js';
import { TRAINER_TAGS, versionUpload, type ModelRole } from './version-upload.js';

/** What a training run reads from and writes to; the service and the CLI's `--local` wire the real ones. */
export interface TrainingRunDependencies {
  readonly labels: LabelSource;
  readonly features: FlightFeatureSource;
  readonly registry: TrainerRegistry;
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
}

/** Options of one {@link runTraining} call. */
export interface RunTrainingOptions {
  /** Called as the run advances, for progress bars and status lines. */
  readonly onProgress?: (progress: TrainingProgress) => void;
  /** Stops the run at the next stage or boosting round; nothing is registered after it fires. */
  readonly signal?: AbortSignal;
}

/** A version the run registered (or found registered by an earlier delivery of the same request). */
export interface RegisteredModel {
  readonly role: ModelRole;
  readonly version: number;
  readonly modelType: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** What a run did. */
export interface TrainingRunResult {
  /** `registered`: this run trained and registered; `duplicate`: an earlier delivery of the request already had. */
  readonly outcome: 'registered' | 'duplicate';
  readonly requestId: string;
  readonly modelName: string;
  readonly primary: RegisteredModel;
  readonly fallback: RegisteredModel;
  /** The champion as the run found it; absent for duplicates. */
  readonly champion?: ChampionComparison;
  /** Alias moves and the policy's reasoning; absent for duplicates. */
  readonly promotion?: PromotionOutcome;
}

/** A trained model with everything its registration needs. */
interface Candidate {
  readonly role: ModelRole;
  readonly model: GbdtModel | LogisticRegressionModel;
  readonly evaluation: ModelEvaluation;
  readonly metrics: Record<string, number>;
  readonly params: Record<string, string>;
  artifact?: Uint8Array;
  profile?: ReferenceProfile;
}

/** This package's version: the code version of runs where `GIT_REVISION` is unset. */
const packageVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * One training run, stage by stage: labels for the windows, the point-in-time
 * training set, a time split, GBDT (early-stopped on the validation window)
 * and logistic regression, both evaluated on the holdout beside the current
 * champion, exported to ONNX and verified in ONNX Runtime (max |Δp| ≤ 1e-5 on
 * the holdout, else the run fails), reference profiles, registration and the
 * promotion policy.
 *
 * Registration order is what keeps a failed run from leaving half a model:
 * the fallback is registered first, then the primary, which names the fallback
 * in its `fallback_version` tag. Each registration is atomic in the registry.
 * A run that dies between the two leaves a complete fallback version that no
 * alias and no primary points at; the redelivered request finds it by its
 * `training_request_id` tag and reuses it instead of registering another. A
 * request whose primary is registered already is a duplicate and trains
 * nothing. Aliases only ever point at primaries.
 *
 * @throws InvalidTrainingRequestError before any work when the request is malformed.
 * @throws TrainingStageError naming the stage that failed, retryable when its cause is.
 */
export async function runTraining(request: TrainingRequest, deps: TrainingRunDependencies, options: RunTrainingOptions = {}): Promise<TrainingRunResult> {
  const plan = planTraining(request, deps.plan);
  const logger = (deps.logger ?? createLogger({ name: 'training' })).child({ requestId: plan.requestId, modelName: plan.modelName });
  const metrics = trainingMetrics();
  const run = new StageRunner(plan.requestId, logger, options);
  try {
    const result = await train(request, plan, deps, run, logger);
    metrics.runs.inc({ outcome: result.outcome });
    return result;
  } catch (error) {
    metrics.runs.inc({ outcome: 'failed' });
    logger.error({ err: error }, 'training run failed');
    throw error;
  }
}

async function train(request: TrainingRequest, plan: TrainingPlan, deps: TrainingRunDependencies, run: StageRunner, logger: Logger): Promise<TrainingRunResult> {
  const { registry } = deps;
  const actor = deps.actor ?? 'trainer';
  const loaded = await run.stage('loading-labels', async () => {
    const earlier = await registry.findByTags(plan.modelName, { [TRAINER_TAGS.requestId]: plan.requestId });
    if (earlier.some((v) => v.tags[TRAINER_TAGS.role] === 'primary')) return { earlier, flights: undefined };
    return { earlier, flights: await deps.labels.loadLabels({ startMs: plan.train.startMs, endMs: plan.holdout.endMs }) };
  });
  const earlierFallback = loaded.earlier.find((v) => v.tags[TRAINER_TAGS.role] === 'fallback');
  const { flights } = loaded;
  if (!flights) return duplicateResult(plan, loaded.earlier, logger);
  logger.info({ flights: flights.rowCount, train: plan.train, validation: plan.validation, holdout: plan.holdout }, 'labels loaded');
  const split = await run.stage('building-training-set', async () => {
    const dataset = await buildFlightDataset(flights, deps.features);
    return splitByTime(dataset, { ...plan, ...(deps.minRowsPerSplit === undefined ? {} : { minRowsPerSplit: deps.minRowsPerSplit }) });
  });
  const { train: trainSet, validation, holdout } = split;
  logger.info({ train: trainSet.labels.length, validation: validation.labels.length, holdout: holdout.labels.length }, 'training set built');

  const primaryStart = performance.now();
  const gbdt = await run.stage('training-primary', (report) =>
    trainGbdt(trainSet.matrix, trainSet.labels, {
      ...plan.models.gbdt,
      validation: { data: validation.matrix, labels: validation.labels },
      onProgress: (p) => {
        run.throwIfAborted();
        report(p.round / p.maxRounds, `round ${p.round}/${p.maxRounds}`);
      },
    }),
  );
  const primarySeconds = (performance.now() - primaryStart) / 1000;
  const fallbackStart = performance.now();
  const logistic = await run.stage('training-fallback', () => trainLogisticRegression(trainSet.matrix, trainSet.labels, plan.models.logisticRegression));
  const fallbackSeconds = (performance.now() - fallbackStart) / 1000;

  const { candidates, champion } = await run.stage('evaluating', async () => {
    const candidate = (role: ModelRole, model: GbdtModel | LogisticRegressionModel, seconds: number, options: object): Candidate => {
      const evaluation = evaluateModel(holdout.labels, model.predictProba(holdout.matrix));
      return {
        role,
        model,
        evaluation,
        metrics: {
          ...evaluationMetrics(evaluation, 'holdout_'),
          ...evaluationMetrics(evaluateModel(validation.labels, model.predictProba(validation.matrix)), 'validation_'),
          train_rows: trainSet.labels.length,
          training_seconds: seconds,
        },
        params: stringParams(options),
      };
    };
    const primary = candidate('primary', gbdt, primarySeconds, plan.models.gbdt);
    primary.metrics['gbdt_trees'] = gbdt.trees.length;
    primary.metrics['gbdt_rounds_trained'] = gbdt.roundsTrained;
    const fallback = candidate('fallback', logistic, fallbackSeconds, plan.models.logisticRegression);
    const champion = await scoreChampion(registry, plan.modelName, holdout, logger);
    if (champion.kind === 'scored') {
      for (const c of [primary, fallback]) Object.assign(c.metrics, evaluationMetrics(champion.evaluation, 'champion_holdout_'));
    }
    return { candidates: [fallback, primary] as const, champion };
  });
  for (const c of candidates) logger.info({ role: c.role, auc: c.evaluation.auc, logLoss: c.evaluation.logLoss, brier: c.evaluation.brier }, 'holdout evaluation');

  const codeVersion = deps.codeVersion ?? (process.env['GIT_REVISION']?.trim() || `training@${packageVersion}`);
  await run.stage('exporting', async (report) => {
    for (const [i, c] of candidates.entries()) {
      c.artifact = exportOnnx(c.model, {
        modelName: plan.modelName,
        modelVersion: `${plan.requestId}/${c.role}`,
        trainingWindow: { start: new Date(plan.train.startMs).toISOString(), end: new Date(plan.train.endMs).toISOString() },
        extraMetadata: { code_version: codeVersion, feature_definitions_hash: deps.features.featureSet.version, training_request_id: plan.requestId, role: c.role },
      });
      // The run fails here (OnnxParityError) rather than register what inference would not reproduce.
      const parity = await verifyOnnxParity(c.model, c.artifact, holdout.matrix, { tolerance: 1e-5 });
      c.metrics['onnx_parity_max_abs_diff'] = parity.maxAbsDiff;
      report((i + 1) / candidates.length);
    }
  });

  await run.stage('profiling', () => {
    const [fallback, primary] = candidates;
    const window = timeWindowOf(plan.train);
    primary.profile = buildReferenceProfile(trainSet.matrix, { predictions: gbdt.predictProba(trainSet.matrix), window });
    // The inputs are the same for both models: only the prediction's profile differs.
    const fallbackPrediction = buildReferenceProfile([], { predictions: logistic.predictProba(trainSet.matrix) }).prediction;
    fallback.profile = { ...primary.profile, ...(fallbackPrediction ? { prediction: fallbackPrediction } : {}) };
  });

  const parentVersion = champion.kind === 'none' ? 0 : champion.version;
  const registered = await run.stage('registering', async (report) => {
    run.throwIfAborted();
    const [fallback, primary] = candidates;
    const common = {
      plan,
      featureDefinitionsHash: deps.features.featureSet.version,
      codeVersion,
      parentVersion,
      trainingRowCount: trainSet.labels.length,
      actor,
      requestedBy: request.requestedBy,
    };
    const upload = (c: Candidate, tags: Record<string, string> = {}) =>
      versionUpload({ ...common, role: c.role, model: c.model, artifact: c.artifact as Uint8Array, metrics: c.metrics, params: c.params, profile: c.profile as ReferenceProfile, tags });
    const fallbackVersion = earlierFallback ?? (await registry.register(upload(fallback), fallback.artifact as Uint8Array));
    if (earlierFallback) logger.info({ version: earlierFallback.version }, 'reusing the fallback registered by an earlier delivery of this request');
    report(0.5);
    const primaryVersion = await registry.register(upload(primary, { [TRAINER_TAGS.fallbackVersion]: String(fallbackVersion.version) }), primary.artifact as Uint8Array);
    logger.info({ primaryVersion: primaryVersion.version, fallbackVersion: fallbackVersion.version }, 'versions registered');
    return {
      fallback: { role: 'fallback', version: fallbackVersion.version, modelType: fallbackVersion.modelType, metrics: fallbackVersion.metrics },
      primary: { role: 'primary', version: primaryVersion.version, modelType: primaryVersion.modelType, metrics: primaryVersion.metrics },
    } satisfies Record<ModelRole, RegisteredModel>;
  });
  const metrics = trainingMetrics();
  for (const c of candidates) metrics.holdoutAuc.set({ model: plan.modelName, role: c.role }, c.evaluation.auc);

  const promotion = await run.stage('promoting', () =>
    promoteVersion({ registry, modelName: plan.modelName, version: registered.primary.version, evaluation: candidates[1].evaluation, champion, policy: deps.policy ?? {}, actor, requestId: plan.requestId, logger }),
  );
  return { outcome: 'registered', requestId: plan.requestId, modelName: plan.modelName, ...registered, champion, promotion };
}

/** The result of a request whose primary an earlier delivery registered: its versions, nothing trained. */
function duplicateResult(plan: TrainingPlan, earlier: readonly ModelVersion[], logger: Logger): TrainingRunResult {
  const primary = earlier.find((v) => v.tags[TRAINER_TAGS.role] === 'primary') as ModelVersion;
  const fallbackVersion = Number(primary.tags[TRAINER_TAGS.fallbackVersion] ?? 0);
  const fallback = earlier.find((v) => v.version === fallbackVersion);
  logger.info({ primaryVersion: primary.version, fallbackVersion }, 'request already trained and registered; nothing to do');
  return {
    outcome: 'duplicate',
    requestId: plan.requestId,
    modelName: plan.modelName,
    primary: { role: 'primary', version: primary.version, modelType: primary.modelType, metrics: primary.metrics },
    fallback: { role: 'fallback', version: fallbackVersion, modelType: fallback?.modelType ?? 'logistic_regression', metrics: fallback?.metrics ?? {} },
  };
}

/** Parameters as the registry stores them: every option, stringified. */
function stringParams(options: object): Record<string, string> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}

/** Runs stages in order, timing each, reporting progress and naming the stage in any failure. */
class StageRunner {
  constructor(
    private readonly requestId: string,
    private readonly logger: Logger,
    private readonly options: RunTrainingOptions,
  ) {}

  throwIfAborted(): void {
    if (this.options.signal?.aborted) throw new TributaryError(Code.Cancelled, 'training run cancelled', { cause: this.options.signal.reason, retryable: false });
  }

  async stage<T>(stage: TrainingStage, work: (report: (stageFraction: number, detail?: string) => void) => T | Promise<T>): Promise<T> {
    this.throwIfAborted();
    const report = (stageFraction: number, detail?: string) =>
      this.options.onProgress?.({
        requestId: this.requestId,
        stage,
        stageFraction,
        fraction: overallFraction(stage, stageFraction),
        ...(detail === undefined ? {} : { detail }),
      });
    const started = performance.now();
    report(0);
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await work(report);
      trainingMetrics().stageSeconds.observe({ stage, outcome: 'ok' }, seconds());
      this.logger.debug({ stage, seconds: seconds() }, 'stage done');
      report(1);
      return result;
    } catch (error) {
      trainingMetrics().stageSeconds.observe({ stage, outcome: 'failed' }, seconds());
      throw error instanceof TrainingStageError ? error : new TrainingStageError(stage, error);
    }
  }
}
