import { describe, expect, it } from 'vitest';
import { createFeatureMatrix, logLoss, modelFromJson, rocAuc, selectRows, trainLogisticRegression } from '../index.js';
import { fold, loadBreastCancer } from '../testing/breast-cancer.js';

describe('trainLogisticRegression()', () => {
  /*
   * Reference: scikit-learn 1.5.2 make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
   * on the same 5 folds as the GBDT test (test = row index mod 5 = k): mean AUC 0.9955, mean log loss 0.0739.
   * C = 1 on n training rows is l2 = 1 / n here.
   */
  it('fits the same model as scikit-learn on the UCI breast cancer set', () => {
    const { data, labels } = loadBreastCancer();
    let auc = 0;
    let loss = 0;
    for (let k = 0; k < 5; k++) {
      const { train, test } = fold(data.rowCount, k);
      const model = trainLogisticRegression(selectRows(data, train), train.map((r) => labels[r] as number), { l2: 1 / train.length });
      const probabilities = model.predictProba(selectRows(data, test));
      const truth = test.map((r) => labels[r] as number);
      auc += rocAuc(truth, probabilities) / 5;
      loss += logLoss(truth, probabilities) / 5;
    }
    expect(auc).toBeCloseTo(0.9955, 3);
    expect(loss).toBeCloseTo(0.0739, 2);
  });

  it('learns one coefficient per category and ignores unseen and missing categories', () => {
    const codes = Float64Array.from({ length: 400 }, (_, i) => i % 4);
    const labels = Float64Array.from(codes, (c, i) => (c === 1 || (c === 3 && i % 8 === 3) ? 1 : 0));
    const data = createFeatureMatrix({ featureNames: ['airport'], columns: [codes], categoricalFeatures: ['airport'] });
    const model = trainLogisticRegression(data, labels, { l2: 1e-3 });
    const probe = createFeatureMatrix({
      featureNames: ['airport'],
      columns: [Float64Array.from([0, 1, 3, 99, Number.NaN])],
      categoricalFeatures: ['airport'],
    });
    const [p0, p1, p3, unseen, missing] = model.predictProba(probe);
    expect(p0).toBeLessThan(0.1);
    expect(p1).toBeGreaterThan(0.9);
    expect(p3).toBeGreaterThan(0.3);
    expect(p3).toBeLessThan(0.7);
    expect(unseen).toBe(missing);
    expect(model.featureImportance()).toEqual([{ featureName: 'airport', importance: 1 }]);
  });

  it('imputes missing numeric values with the training mean', () => {
    const x = Float64Array.from({ length: 200 }, (_, i) => (i % 10 === 0 ? Number.NaN : i / 20));
    const labels = Float64Array.from(x, (v, i) => (Number.isNaN(v) ? i % 20 === 0 : v > 5) ? 1 : 0);
    const model = trainLogisticRegression(createFeatureMatrix({ featureNames: ['x'], columns: [x] }), labels);
    const mean = model.encoding.numeric[0]?.mean as number;
    const probe = createFeatureMatrix({ featureNames: ['x'], columns: [Float64Array.from([Number.NaN, mean])] });
    const [atMissing, atMean] = model.predictProba(probe);
    expect(atMissing).toBeCloseTo(atMean as number, 6);
  });

  it('round-trips through JSON and is deterministic', () => {
    const { data, labels } = loadBreastCancer();
    const a = trainLogisticRegression(data, labels);
    const b = modelFromJson(JSON.parse(JSON.stringify(trainLogisticRegression(data, labels))));
    expect(b.predictProba(data)).toEqual(a.predictProba(data));
  });
});
