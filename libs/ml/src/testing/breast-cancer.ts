import { readFileSync } from 'node:fs';
import { createFeatureMatrix, type FeatureMatrix } from '../feature-matrix.js';

const parts = ['radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity', 'concave points', 'symmetry', 'fractal dimension'];
/** Feature names in file order, as scikit-learn's `load_breast_cancer().feature_names`. */
const featureNames = [...parts.map((p) => `mean ${p}`), ...parts.map((p) => `${p} error`), ...parts.map((p) => `worst ${p}`)];

/** The vendored UCI breast cancer set (see fixtures/README.md); label 1 = benign. */
export interface BreastCancer {
  readonly data: FeatureMatrix;
  readonly labels: Float64Array;
}

export function loadBreastCancer(): BreastCancer {
  const text = readFileSync(new URL('../../fixtures/breast-cancer-wisconsin.csv', import.meta.url), 'utf8');
  const lines = text.trim().split('\n').slice(1);
  const columns = featureNames.map(() => new Float64Array(lines.length));
  const labels = new Float64Array(lines.length);
  lines.forEach((line, r) => {
    const cells = line.split(',').map(Number);
    columns.forEach((column, f) => (column[r] = cells[f] as number));
    labels[r] = cells[featureNames.length] as number;
  });
  return { data: createFeatureMatrix({ featureNames, columns }), labels };
}

/** Row indices of fold `k` of 5 (row index mod 5 = k) and of the other four: the split the reference numbers used. */
export function fold(rowCount: number, k: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let r = 0; r < rowCount; r++) (r % 5 === k ? test : train).push(r);
  return { train, test };
}
