import { buildReferenceProfile } from '@tributary/drift';
import {
  exportOnnx,
  trainGbdt,
  trainLogisticRegression,
  verifyOnnxParity,
  type FeatureMatrix,
  type GbdtModel,
  type LogisticRegressionModel,
} from '@tributary/ml';
import { choosePrimary } from './choose-primary.js';
import { evaluateModel, evaluationMetrics, type ModelEvaluation } from './evaluate-model.js';
import type { ChampionArtifact } from './fetch-champion.js';
import type { ModelParams } from './model-params.js';
import type { ChampionComparison } from './promotion-policy.js';
import { scoreChampion } from './score-champion.js';
import type { StageRunner } from './stage-runner.js';
import { timeWindowOf, type TimeRange } from './time-range.js';
import type { ModelRole, RegistrableModel } from './version-upload.js';

/** One split's rows: features and 0/1 labels. */
export interface LabeledRows {
  readonly matrix: FeatureMatrix;
  readonly labels: Float64Array;
}

/** Everything the CPU-bound part of a run needs; plain data, so it can be handed to a worker thread. */
export interface FitCandidatesInput {
  readonly requestId: string;
  readonly modelName: string;
  readonly models: ModelParams;
  readonly train: LabeledRows;
  readonly validation: LabeledRows;
  readonly holdout: LabeledRows;
  /** The training window, recorded in the ONNX metadata and the reference profile. */
  readonly trainWindow: TimeRange;
  readonly champion: ChampionArtifact;
  /** Recorded in the ONNX metadata. */
  readonly codeVersion: string;
  /** Recorded in the ONNX metadata. */
  readonly featureDefinitionsHash: string;
}

/** A trained, evaluated, exported and verified model with everything its registration needs. */
export interface FittedModel extends RegistrableModel {
  readonly evaluation: ModelEvaluation;
}

/** Largest |Δp| between a model and its ONNX export, on the holdout, that a run accepts. */
export const ONNX_PARITY_TOLERANCE = 1e-5;
/** The metric a registered version's measured |Δp| is recorded under. */
export const ONNX_PARITY_METRIC = 'onnx_parity_max_abs_diff';

/** The two models of a run and the champion scored on the same holdout. */
export interface FittedCandidates {
  readonly fallback: FittedModel;
  readonly primary: FittedModel;
  readonly champion: ChampionComparison;
  /** Why the primary serves and not the fallback ({@link choosePrimary}). */
  readonly primaryChoice: string;
}

/**
 * The CPU-bound stages of a run, from the split rows to registrable models:
 * GBDT (early-stopped on the validation rows) and logistic regression, both
 * evaluated on the holdout beside the champion, ordered so that the better
 * on the holdout is the primary ({@link choosePrimary}), exported to ONNX and verified
 * in ONNX Runtime (max |Δp| ≤ 1e-5 on the holdout, else the run fails), and
 * their reference profiles. No I/O: the training worker runs it.
 */
export async function fitCandidates(input: FitCandidatesInput, run: StageRunner): Promise<FittedCandidates> {
  const { train, validation, holdout, models } = input;
  const timed = <T>(work: () => T): [T, number] => {
    const started = performance.now();
    return [work(), (performance.now() - started) / 1000];
  };
  const [gbdt, primarySeconds] = await run.stage('training-primary', (report) =>
    timed(() =>
      trainGbdt(train.matrix, train.labels, {
        ...models.gbdt,
        validation: { data: validation.matrix, labels: validation.labels },
        onProgress: (p) => report(p.round / p.maxRounds, `round ${p.round}/${p.maxRounds}`),
      }),
    ),
  );
  const [logistic, fallbackSeconds] = await run.stage('training-fallback', () => timed(() => trainLogisticRegression(train.matrix, train.labels, models.logisticRegression)));

  const { evaluated, champion, primaryChoice } = await run.stage('evaluating', async () => {
    const evaluate = (model: GbdtModel | LogisticRegressionModel, seconds: number, options: object) => {
      const evaluation = evaluateModel(holdout.labels, model.predictProba(holdout.matrix));
      const metrics: Record<string, number> = {
        ...evaluationMetrics(evaluation, 'holdout_'),
        ...evaluationMetrics(evaluateModel(validation.labels, model.predictProba(validation.matrix)), 'validation_'),
        train_rows: train.labels.length,
        training_seconds: seconds,
      };
      return { model, evaluation, metrics, params: stringParams(options) };
    };
    const boosted = { kind: 'gbdt', ...evaluate(gbdt, primarySeconds, models.gbdt) };
    boosted.metrics['gbdt_trees'] = gbdt.trees.length;
    boosted.metrics['gbdt_rounds_trained'] = gbdt.roundsTrained;
    const { primary, fallback, reason } = choosePrimary(boosted, { kind: 'logistic_regression', ...evaluate(logistic, fallbackSeconds, models.logisticRegression) });
    const champion = await scoreChampion(input.champion, holdout);
    if (champion.kind === 'scored') {
      for (const c of [primary, fallback]) Object.assign(c.metrics, evaluationMetrics(champion.evaluation, 'champion_holdout_'));
    }
    return { evaluated: { fallback, primary }, champion, primaryChoice: reason };
  });

  const artifacts = await run.stage('exporting', async (report) => {
    const exported: Partial<Record<ModelRole, Uint8Array>> = {};
    for (const [i, role] of (['fallback', 'primary'] as const).entries()) {
      const c = evaluated[role];
      const artifact = exportOnnx(c.model, {
        modelName: input.modelName,
        modelVersion: `${input.requestId}/${role}`,
        trainingWindow: { start: new Date(input.trainWindow.startMs).toISOString(), end: new Date(input.trainWindow.endMs).toISOString() },
        extraMetadata: { code_version: input.codeVersion, feature_definitions_hash: input.featureDefinitionsHash, training_request_id: input.requestId, role },
      });
      // The run fails here (OnnxParityError) rather than register what inference would not reproduce.
      const parity = await verifyOnnxParity(c.model, artifact, holdout.matrix, { tolerance: ONNX_PARITY_TOLERANCE });
      c.metrics[ONNX_PARITY_METRIC] = parity.maxAbsDiff;
      exported[role] = artifact;
      report((i + 1) / 2);
    }
    return exported as Record<ModelRole, Uint8Array>;
  });

  const profiles = await run.stage('profiling', () => {
    const primary = buildReferenceProfile(train.matrix, { predictions: evaluated.primary.model.predictProba(train.matrix), window: timeWindowOf(input.trainWindow) });
    // The inputs are the same for both models: only the prediction's profile differs.
    const fallbackPrediction = buildReferenceProfile([], { predictions: evaluated.fallback.model.predictProba(train.matrix) }).prediction;
    return { primary, fallback: { ...primary, ...(fallbackPrediction ? { prediction: fallbackPrediction } : {}) } };
  });

  const fitted = (role: ModelRole): FittedModel => {
    const { model, evaluation, metrics, params } = evaluated[role];
    return { role, model: { kind: model.kind, featureNames: model.featureNames }, evaluation, metrics, params, artifact: artifacts[role], profile: profiles[role] };
  };
  return { fallback: fitted('fallback'), primary: fitted('primary'), champion, primaryChoice };
}

/** Parameters as the registry stores them: every option, stringified. */
function stringParams(options: object): Record<string, string> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}
