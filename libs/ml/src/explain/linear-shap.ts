import { ExplanationUnavailableError } from '../errors.js';
import type { LogisticRegressionModel } from '../linear/logistic-regression-model.js';
import type { PackedRows } from '../onnx/onnx-predictor.js';
import { assertRowWidth, type Explainer, type Explanation } from './explanation.js';

/**
 * Exact Shapley values of a {@link LogisticRegressionModel} in margin
 * (log-odds) space, as `shap.LinearExplainer` computes them on the model's
 * own design columns with the training rows as background (independent
 * features): each column contributes `coefficient × (value − training mean)`,
 * and a feature's contribution is the sum over its columns.
 *
 * - numeric: `w · z` with `z = (fround(x) − mean) / scale` (0 when missing);
 *   the training mean of `z` is 0 by construction;
 * - categorical: `w[x's category] − Σₖ w[k] · pₖ`, with `pₖ` the category's
 *   share of training rows (no indicator for missing, rare or unseen codes).
 *
 * The base value is `intercept + Σ w · training means`. Throws
 * {@link ExplanationUnavailableError} for a model that does not know its
 * training row count.
 */
export function createLinearShap(model: LogisticRegressionModel): Explainer {
  const { encoding, coefficients, intercept } = model;
  const featureCount = model.featureNames.length;
  const trainingRows = encoding.trainingRows;
  if (trainingRows === undefined || !(trainingRows > 0)) {
    throw new ExplanationUnavailableError('the logistic regression does not record its training row count (trained before it was kept); retrain it to explain it');
  }
  let column = encoding.numeric.length;
  const categorical = encoding.categorical.map(({ feature, categories, counts }) => {
    const columnOf = new Map<number, number>();
    let expected = 0;
    categories.forEach((code, k) => {
      columnOf.set(code, column + k);
      expected += (coefficients[column + k] as number) * ((counts[k] as number) / trainingRows);
    });
    column += categories.length;
    return { feature, columnOf, expected };
  });
  const baseValue = categorical.reduce((sum, c) => sum + c.expected, intercept);

  return {
    method: 'linear',
    featureNames: model.featureNames,
    baseValue,
    explain(rows: PackedRows): Explanation {
      assertRowWidth(rows, featureCount);
      const { values, rowCount } = rows;
      const contributions = new Float64Array(rowCount * featureCount);
      const margins = new Float64Array(rowCount);
      for (let r = 0; r < rowCount; r++) {
        const start = r * featureCount;
        // The margin is summed as the model sums it (intercept, numeric columns, active indicators), not from the contributions.
        let margin = intercept;
        encoding.numeric.forEach(({ feature, mean, scale }, j) => {
          const x = values[start + feature] as number;
          const term = Number.isNaN(x) ? 0 : (coefficients[j] as number) * ((x - mean) / scale);
          contributions[start + feature] = term;
          margin += term;
        });
        for (const { feature, columnOf, expected } of categorical) {
          const active = columnOf.get(values[start + feature] as number);
          const weight = active === undefined ? 0 : (coefficients[active] as number);
          contributions[start + feature] = weight - expected;
          margin += weight;
        }
        margins[r] = margin;
      }
      return { rowCount, featureCount, baseValue, contributions, margins };
    },
  };
}
