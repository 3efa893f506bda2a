import { describe, expect, it } from 'vitest';
import { ExplanationUnavailableError, LogisticRegressionModel, createLinearShap, explainerFromOnnx, exportOnnx } from '../index.js';
import { loadShapFixture, packedRows, rowMatrix } from './shap-fixture.js';

const fixture = loadShapFixture();
const model = LogisticRegressionModel.fromJSON(fixture.logisticRegression.model);
const rows = packedRows(fixture);
const featureCount = fixture.featureNames.length;
const logit = (p: number) => Math.log(p / (1 - p));

describe('createLinearShap()', () => {
  it("matches shap's LinearExplainer on the model's design columns, summed per feature (≤ 1e-6)", () => {
    const explanation = createLinearShap(model).explain(rows);
    fixture.logisticRegression.shapValues.forEach((expected, r) => {
      expected.forEach((value, f) => {
        expect(Math.abs((explanation.contributions[r * featureCount + f] as number) - value)).toBeLessThanOrEqual(1e-6);
      });
    });
    expect(Math.abs(explanation.baseValue - fixture.logisticRegression.expectedValue)).toBeLessThanOrEqual(1e-6);
  });

  it("sums to the model's margin on every row, rare, unseen and missing categories included (≤ 1e-6)", () => {
    const explanation = createLinearShap(model).explain(rows);
    const probabilities = model.predictProba(rowMatrix(fixture, model.categorical));
    probabilities.forEach((p, r) => {
      let sum = explanation.baseValue;
      for (let f = 0; f < featureCount; f++) sum += explanation.contributions[r * featureCount + f] as number;
      expect(Math.abs(sum - logit(p))).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(sum - (explanation.margins[r] as number))).toBeLessThanOrEqual(1e-9);
    });
  });

  it('explains the model stored in an exported ONNX file the same way', () => {
    const onnx = exportOnnx(model, { modelName: 'flight-delay', modelVersion: '1', trainingWindow: { start: '2001-01-01', end: '2001-02-01' } });
    expect(Array.from(explainerFromOnnx(onnx).explain(rows).contributions)).toEqual(Array.from(createLinearShap(model).explain(rows).contributions));
  });

  it('refuses a model that does not record its training row count', () => {
    const { trainingRows: _rows, ...old } = fixture.logisticRegression.model;
    expect(() => createLinearShap(LogisticRegressionModel.fromJSON(old))).toThrow(ExplanationUnavailableError);
  });
});
