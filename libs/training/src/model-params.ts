import type { GbdtOptions, LogisticRegressionOptions } from '@tributary/ml';
import { InvalidTrainingRequestError } from './errors.js';

/** The hyperparameters a request may override, as the model trainers take them. */
export interface ModelParams {
  readonly gbdt: GbdtTrainingOptions;
  readonly logisticRegression: LogisticRegressionOptions;
}

/** GBDT options a plan can carry: everything but the data-bound validation set and progress callback. */
export type GbdtTrainingOptions = Omit<GbdtOptions, 'validation' | 'onProgress' | 'objective'>;

type Kind = 'number' | 'integer';

/** Request parameter names (snake case, as in `TrainingRequest.params`) → option and the form of its value. */
const gbdtParams: Readonly<Record<string, readonly [keyof GbdtTrainingOptions, Kind]>> = {
  learning_rate: ['learningRate', 'number'],
  max_rounds: ['maxRounds', 'integer'],
  max_leaves: ['maxLeaves', 'integer'],
  max_depth: ['maxDepth', 'integer'],
  min_samples_leaf: ['minSamplesLeaf', 'integer'],
  min_hessian_leaf: ['minHessianLeaf', 'number'],
  lambda: ['lambda', 'number'],
  min_split_gain: ['minSplitGain', 'number'],
  max_bins: ['maxBins', 'integer'],
  row_sample_rate: ['rowSampleRate', 'number'],
  feature_sample_rate: ['featureSampleRate', 'number'],
  early_stopping_rounds: ['earlyStoppingRounds', 'integer'],
  seed: ['seed', 'integer'],
  categorical_smoothing: ['categoricalSmoothing', 'number'],
  categorical_l2: ['categoricalL2', 'number'],
  max_categories_per_split: ['maxCategoriesPerSplit', 'integer'],
};

/** The fallback model's parameters carry an `lr_` prefix so they never collide with the GBDT's. */
const logisticParams: Readonly<Record<string, readonly [keyof LogisticRegressionOptions, Kind]>> = {
  lr_l2: ['l2', 'number'],
  lr_max_iterations: ['maxIterations', 'integer'],
  lr_max_categories: ['maxCategoriesPerFeature', 'integer'],
};

/** Every parameter name a request may use, for messages and the CLI's help. */
export const MODEL_PARAM_NAMES: readonly string[] = [...Object.keys(gbdtParams), ...Object.keys(logisticParams)];

/**
 * Reads `TrainingRequest.params` over the given defaults. Names and number
 * forms are checked here, before any data is loaded; ranges are checked by
 * the trainers of `@tributary/ml`.
 *
 * @throws InvalidTrainingRequestError on an unknown name or a value that is not a (whole) number.
 */
export function parseModelParams(params: Readonly<Record<string, string>>, defaults: ModelParams): ModelParams {
  const gbdt: Record<string, number> = {};
  const logisticRegression: Record<string, number> = {};
  for (const [name, text] of Object.entries(params)) {
    // Own properties only: a name like `constructor` must not find Object.prototype's (found by fuzzing).
    const gbdtParam = Object.hasOwn(gbdtParams, name) ? gbdtParams[name] : undefined;
    const logisticParam = Object.hasOwn(logisticParams, name) ? logisticParams[name] : undefined;
    const [option, kind] = gbdtParam ?? logisticParam ?? unknownParam(name);
    (gbdtParam ? gbdt : logisticRegression)[option] = parseValue(name, text, kind);
  }
  return {
    gbdt: { ...defaults.gbdt, ...gbdt },
    logisticRegression: { ...defaults.logisticRegression, ...logisticRegression },
  };
}

function unknownParam(name: string): never {
  throw new InvalidTrainingRequestError(`params.${name}`, `unknown parameter; known: ${MODEL_PARAM_NAMES.join(', ')}`);
}

function parseValue(name: string, text: string, kind: Kind): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw new InvalidTrainingRequestError(`params.${name}`, `"${text}" is not a number`);
  if (kind === 'integer' && !Number.isInteger(value)) throw new InvalidTrainingRequestError(`params.${name}`, `"${text}" is not a whole number`);
  return value;
}
