import { createOnnxPredictor, type FeatureMatrix } from '@tributary/ml';
import type { Logger } from '@tributary/observability';
import { evaluateModel } from './evaluate-model.js';
import type { LabeledDataset } from './flight-dataset.js';
import type { ChampionComparison } from './promotion-policy.js';
import type { TrainerRegistry } from './trainer-registry.js';

/**
 * Scores the current champion on the new holdout: its ONNX artifact from the
 * registry, run in ONNX Runtime — exactly what inference serves — on the
 * holdout columns it was trained with. A champion that reads a feature the
 * holdout lacks, or whose artifact ONNX Runtime cannot run, is `unscored`,
 * with the reason; registry failures propagate, as they fail the run anyway.
 */
export async function scoreChampion(
  registry: TrainerRegistry,
  modelName: string,
  holdout: LabeledDataset,
  logger?: Logger,
): Promise<ChampionComparison> {
  const champion = await registry.getByAlias(modelName, 'champion');
  if (!champion) return { kind: 'none' };
  const { version } = champion;
  if (champion.artifactFormat !== 'onnx') return { kind: 'unscored', version, reason: `its artifact is ${champion.artifactFormat}, not onnx` };
  const columns = columnsByName(holdout.matrix, champion.featureNames);
  if (typeof columns === 'string') return { kind: 'unscored', version, reason: columns };

  const artifact = await registry.downloadArtifact(modelName, version);
  let probabilities: Float64Array;
  try {
    const predictor = await createOnnxPredictor(artifact);
    try {
      probabilities = await predictor.predictProba(columns);
    } finally {
      await predictor.close();
    }
  } catch (error) {
    logger?.warn({ err: error, modelName, version }, 'the champion could not be run on the holdout');
    return { kind: 'unscored', version, reason: `ONNX Runtime could not run it: ${(error as Error).message}` };
  }
  return { kind: 'scored', version, evaluation: evaluateModel(holdout.labels, probabilities) };
}

/** The holdout's columns in the champion's input order, or why they cannot be had. */
function columnsByName(matrix: FeatureMatrix, names: readonly string[]): FeatureMatrix | string {
  const missing = names.filter((name) => !matrix.featureNames.includes(name));
  if (names.length === 0) return 'it declares no input features';
  if (missing.length > 0) return `it reads features this holdout lacks: ${missing.join(', ')}`;
  const indices = names.map((name) => matrix.featureNames.indexOf(name));
  return {
    featureNames: [...names],
    columns: indices.map((f) => matrix.columns[f] as Float64Array),
    categorical: indices.map((f) => matrix.categorical[f] === true),
    rowCount: matrix.rowCount,
  };
}
