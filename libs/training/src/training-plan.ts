import type { Timestamp } from '@bufbuild/protobuf/wkt';
import type { TrainingRequest } from '@tributary/contracts';
import { assertModelName } from '@tributary/model-registry';
import { InvalidTrainingRequestError } from './errors.js';
import { parseModelParams, type ModelParams } from './model-params.js';
import { formatTimeRange, timeRangeOf, type TimeRange } from './time-range.js';

/** Options of {@link planTraining}: how windows a request leaves open are chosen, and the model defaults. */
export interface TrainingPlanOptions {
  /** Share of the training window's span kept back as the holdout when the request names none. Default 0.15. */
  readonly holdoutShare?: number;
  /** Share of the training window's span used for early stopping when the request names no validation window. Default 0.15. */
  readonly validationShare?: number;
  /** Hyperparameters a request's `params` override. Default: the trainers' own defaults, 500 GBDT rounds with early stopping. */
  readonly defaults?: ModelParams;
}

/** A request resolved into what a run does: three ordered, disjoint windows and the models' options. */
export interface TrainingPlan {
  readonly requestId: string;
  readonly modelName: string;
  /** Rows the models are fitted on. */
  readonly train: TimeRange;
  /** Rows watched for early stopping. */
  readonly validation: TimeRange;
  /** Later rows the new models and the champion are judged on. */
  readonly holdout: TimeRange;
  readonly models: ModelParams;
  /** The request's parameter overrides, recorded with the versions. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Trainer defaults: enough rounds that early stopping, not the cap, ends
 * training. The trees are small and strongly regularised (7 leaves of ≥ 200
 * rows, λ 10, categorical splits penalised, each tree on 80 % of the rows and
 * half the features) because a fortnight of sampled flights (~20,000 rows) is
 * a common training window: with 63 leaves of 50 rows the GBDT stopped after
 * ~26 rounds at holdout AUC 0.654–0.676, below the logistic regression beside
 * it (0.678–0.701); these settings reach 0.703–0.708 on the same windows.
 */
export const DEFAULT_MODEL_PARAMS: ModelParams = {
  gbdt: {
    maxRounds: 500,
    learningRate: 0.05,
    maxLeaves: 7,
    minSamplesLeaf: 200,
    lambda: 10,
    categoricalSmoothing: 100,
    categoricalL2: 100,
    rowSampleRate: 0.8,
    featureSampleRate: 0.5,
    earlyStoppingRounds: 30,
    seed: 1,
  },
  logisticRegression: { l2: 1e-4, maxIterations: 200 },
};

/**
 * Resolves a {@link TrainingRequest}: checks the model name and windows and
 * reads the parameter overrides. Windows the request leaves open are cut from
 * the tail of the training window, so that time runs train → validation →
 * holdout: first the holdout (`holdoutShare` of its span), then the validation
 * window (`validationShare`). Given windows must not overlap and must keep
 * that order: a model is never judged on rows older than those it learnt from.
 *
 * @throws InvalidTrainingRequestError when the request cannot be run as asked.
 */
export function planTraining(request: TrainingRequest, options: TrainingPlanOptions = {}): TrainingPlan {
  const { holdoutShare = 0.15, validationShare = 0.15, defaults = DEFAULT_MODEL_PARAMS } = options;
  if (request.requestId.trim() === '') throw new InvalidTrainingRequestError('request_id', 'is required');
  try {
    assertModelName(request.modelName);
  } catch (error) {
    throw new InvalidTrainingRequestError('model_name', (error as Error).message);
  }
  const window = checkedRange('training_window', request.trainingWindow, true);
  const span = window.endMs - window.startMs;
  let rest = window;
  const cutTail = (field: string, share: number): TimeRange => {
    const startMs = Math.round(rest.endMs - share * span);
    if (!(startMs > rest.startMs)) throw new InvalidTrainingRequestError(field, `the training window ${formatTimeRange(window)} is too short to cut one from`);
    const tail = { startMs, endMs: rest.endMs };
    rest = { startMs: rest.startMs, endMs: startMs };
    return tail;
  };
  const givenHoldout = checkedRange('holdout_window', request.holdoutWindow, false);
  const givenValidation = checkedRange('validation_window', request.validationWindow, false);
  if (givenValidation && !givenHoldout) {
    throw new InvalidTrainingRequestError('holdout_window', 'is required when validation_window is given, so that it can come after it');
  }
  const holdout = givenHoldout ?? cutTail('holdout_window', holdoutShare);
  const validation = givenValidation ?? cutTail('validation_window', validationShare);
  const train = rest;
  if (validation.startMs < train.endMs) {
    throw new InvalidTrainingRequestError('validation_window', `${formatTimeRange(validation)} must start at or after the training window ends`);
  }
  if (holdout.startMs < validation.endMs) {
    throw new InvalidTrainingRequestError('holdout_window', `${formatTimeRange(holdout)} must start at or after the validation window ends`);
  }
  return {
    requestId: request.requestId,
    modelName: request.modelName,
    train,
    validation,
    holdout,
    models: parseModelParams(request.params, defaults),
    params: { ...request.params },
  };
}

function checkedRange(field: string, window: TrainingRequest['trainingWindow'], required: true): TimeRange;
function checkedRange(field: string, window: TrainingRequest['trainingWindow'], required: false): TimeRange | undefined;
function checkedRange(field: string, window: TrainingRequest['trainingWindow'], required: boolean): TimeRange | undefined {
  if (window === undefined) {
    if (required) throw new InvalidTrainingRequestError(field, 'is required');
    return undefined;
  }
  for (const [end, time] of [['start_time', window.startTime], ['end_time', window.endTime]] as const) {
    if (time && !isValidTimestamp(time)) throw new InvalidTrainingRequestError(`${field}.${end}`, `${time.seconds} s ${time.nanos} ns is not a time of years 1–9999`);
  }
  const range = timeRangeOf(window);
  if (!range) throw new InvalidTrainingRequestError(field, 'needs both start_time and end_time');
  if (!(range.startMs < range.endMs)) throw new InvalidTrainingRequestError(field, `${formatTimeRange(range)} is empty`);
  return range;
}

/** The range google.protobuf.Timestamp allows, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z, in seconds. */
const TIMESTAMP_SECONDS = { min: -62_135_596_800n, max: 253_402_300_799n } as const;

/** Whether a timestamp is one the Timestamp type allows (and so one a Date can show, found by fuzzing). */
function isValidTimestamp(time: Timestamp): boolean {
  return time.seconds >= TIMESTAMP_SECONDS.min && time.seconds <= TIMESTAMP_SECONDS.max && time.nanos >= 0 && time.nanos <= 999_999_999;
}
