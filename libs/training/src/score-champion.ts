import { createOnnxPredictor, type FeatureMatrix } from '@tributary/ml';
import { evaluateModel } from './evaluate-model.js';
import type { ChampionArtifact } from './fetch-champion.js';
import type { ChampionComparison } from './promotion-policy.js';

/**
 * Scores the champion on the new holdout: its ONNX artifact run in ONNX
 * Runtime — exactly what inference serves — on the holdout columns it was
 * trained with. A champion that reads a feature the holdout lacks, or whose
 * artifact ONNX Runtime cannot run, is `unscored`, with the reason.
 */
export async function scoreChampion(champion: ChampionArtifact, holdout: { readonly matrix: FeatureMatrix; readonly labels: Float64Array }): Promise<ChampionComparison> {
  if (champion.kind !== 'artifact') return champion;
  const { version } = champion;
  const columns = columnsByName(holdout.matrix, champion.featureNames);
  if (typeof columns === 'string') return { kind: 'unscored', version, reason: columns };
  let probabilities: Float64Array;
  try {
    const predictor = await createOnnxPredictor(champion.artifact);
    try {
      probabilities = await predictor.predictProba(columns);
    } finally {
      await predictor.close();
    }
  } catch (error) {
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
