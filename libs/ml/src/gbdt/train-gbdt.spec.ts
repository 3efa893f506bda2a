import { describe, expect, it } from 'vitest';
import {
  confusionMatrix,
  createFeatureMatrix,
  FeatureMismatchError,
  InvalidDatasetError,
  InvalidOptionsError,
  logLoss,
  modelFromJson,
  rocAuc,
  selectRows,
  trainGbdt,
  UnsupportedModelOperationError,
  type FeatureMatrix,
  type GbdtModel,
} from '../index.js';
import { createRandom } from '@tributary/seeded-random';
import { fold, loadBreastCancer } from '../testing/breast-cancer.js';
import { makeSyntheticDataset } from '../testing/synthetic.js';

describe('trainGbdt() on the UCI breast cancer set', () => {
  /*
   * Reference: 5 folds by row index (test = rows with index mod 5 = k), default parameters,
   * mean over folds of accuracy at 0.5 and ROC AUC:
   *   scikit-learn 1.5.2 HistGradientBoostingClassifier(random_state=0): accuracy 0.9701, AUC 0.9943
   *   LightGBM 4.7.0 LGBMClassifier(verbose=-1, random_state=0):        accuracy 0.9684, AUC 0.9941
   * with numpy 2.4.6 on Python 3.11, computed by (`pip install scikit-learn==1.5.2 lightgbm==4.7.0`):
   *
   *   import numpy as np, lightgbm
   *   from sklearn.datasets import load_breast_cancer
   *   from sklearn.ensemble import HistGradientBoostingClassifier
   *   from sklearn.metrics import roc_auc_score, accuracy_score
   *   X, y = load_breast_cancer(return_X_y=True)
   *   for make in (lambda: HistGradientBoostingClassifier(random_state=0),
   *                lambda: lightgbm.LGBMClassifier(verbose=-1, random_state=0)):
   *       acc, auc = [], []
   *       for k in range(5):
   *           te = np.arange(len(y)) % 5 == k
   *           p = make().fit(X[~te], y[~te]).predict_proba(X[te])[:, 1]
   *           acc.append(accuracy_score(y[te], p >= 0.5)); auc.append(roc_auc_score(y[te], p))
   *       print(np.mean(acc), np.mean(auc))
   *
   * Our defaults are LightGBM's (100 rounds, 31 leaves, 20 rows per leaf, learning rate 0.1); we get
   * accuracy 0.9666 and AUC 0.9942. Tolerance: one test row per fold for accuracy (≈ 0.009), 0.003 for AUC.
   */
  const referenceAccuracy = 0.9684;
  const referenceAuc = 0.9941;

  it('reaches the accuracy and AUC of scikit-learn and LightGBM', () => {
    const { data, labels } = loadBreastCancer();
    let accuracy = 0;
    let auc = 0;
    for (let k = 0; k < 5; k++) {
      const { train, test } = fold(data.rowCount, k);
      const model = trainGbdt(selectRows(data, train), train.map((r) => labels[r] as number));
      const probabilities = model.predictProba(selectRows(data, test));
      const truth = test.map((r) => labels[r] as number);
      accuracy += confusionMatrix(truth, probabilities).accuracy / 5;
      auc += rocAuc(truth, probabilities) / 5;
    }
    expect(accuracy).toBeGreaterThanOrEqual(referenceAccuracy - 0.009);
    expect(auc).toBeGreaterThanOrEqual(referenceAuc - 0.003);
  });
});

describe('trainGbdt()', () => {
  const train = makeSyntheticDataset({ rows: 3000, seed: 11 });
  const holdout = makeSyntheticDataset({ rows: 3000, seed: 12 });

  it('gives the same model for the same seed, with row and feature sampling on', () => {
    const options = { maxRounds: 15, rowSampleRate: 0.7, featureSampleRate: 0.5, seed: 42 };
    const a = trainGbdt(train.data, train.labels, options);
    const b = trainGbdt(train.data, train.labels, options);
    const c = trainGbdt(train.data, train.labels, { ...options, seed: 43 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('gives the same model and validation losses whether one thread or two do the work', () => {
    // Enough rows that the worker builds histograms, partitions leaves and scores the validation rows.
    const large = makeSyntheticDataset({ rows: 60_000, seed: 13 });
    const run = (threads: number) => {
      const losses: number[] = [];
      const model = trainGbdt(large.data, large.labels, {
        maxRounds: 3,
        rowSampleRate: 0.8,
        seed: 3,
        threads,
        validation: holdout,
        onProgress: (progress) => losses.push(progress.validationLoss as number),
      });
      return { model, losses };
    };
    const alone = run(1);
    const together = run(2);
    expect(JSON.stringify(together.model)).toBe(JSON.stringify(alone.model));
    expect(together.losses).toEqual(alone.losses);
    const kept = together.model.trees.length;
    expect(logLoss(holdout.labels, together.model.predictProba(holdout.data))).toBeCloseTo(together.losses[kept - 1] as number, 10);
  });

  it('stops when the validation loss has not improved for earlyStoppingRounds and keeps the best round', () => {
    const rounds: number[] = [];
    const model = trainGbdt(train.data, train.labels, {
      maxRounds: 500,
      learningRate: 0.5,
      validation: holdout,
      earlyStoppingRounds: 5,
      onProgress: (progress) => rounds.push(progress.round),
    });
    expect(model.roundsTrained).toBeLessThan(500);
    expect(rounds).toHaveLength(model.roundsTrained);
    expect(model.trees).toHaveLength(model.roundsTrained - 5);
  });

  it('watches the validation loss that the model itself gives, missing values and unseen categories included', () => {
    // 255 codes: each gets its own bin, so an unseen code needs a bin past the 8-bit range.
    const training = makeSyntheticDataset({ rows: 4000, seed: 21, categories: 255 });
    const validation = makeSyntheticDataset({ rows: 2000, seed: 22, categories: 255, unseenRate: 0.2 });
    const losses: number[] = [];
    const model = trainGbdt(training.data, training.labels, {
      maxRounds: 15,
      validation,
      onProgress: (progress) => losses.push(progress.validationLoss as number),
    });
    expect(losses).toHaveLength(15);
    const kept = model.trees.length;
    expect(logLoss(validation.labels, model.predictProba(validation.data))).toBeCloseTo(losses[kept - 1] as number, 10);
  });

  it('reports the training loss of the scores after each round', () => {
    const trainLosses: number[] = [];
    const model = trainGbdt(train.data, train.labels, { maxRounds: 5, onProgress: (progress) => trainLosses.push(progress.trainLoss) });
    expect(trainLosses).toHaveLength(5);
    expect(trainLosses[4]).toBeCloseTo(logLoss(train.labels, model.predictProba(train.data)), 10);
    expect(trainLosses[4]).toBeLessThan(trainLosses[0] as number);
  });

  it('learns where missing values go', () => {
    // Missing `delay` is the strongest positive signal of the synthetic set.
    const model = trainGbdt(train.data, train.labels, { maxRounds: 30 });
    const rows = createFeatureMatrix({
      featureNames: ['distance', 'hour', 'delay', 'airport'],
      columns: [[800, 800], [17, 17], [Number.NaN, 0], [0, 0]].map((v) => Float64Array.from(v)),
      categoricalFeatures: ['airport'],
    });
    const [missing, present] = model.predictProba(rows);
    expect(missing).toBeGreaterThan((present as number) + 0.1);
  });

  it('splits categories by their effect, beating the same codes treated as ordered numbers', () => {
    const asNumbers = (data: FeatureMatrix) => createFeatureMatrix({ featureNames: data.featureNames, columns: data.columns });
    const options = { maxRounds: 40, maxLeaves: 8 };
    const categorical = trainGbdt(train.data, train.labels, options);
    const ordinal = trainGbdt(asNumbers(train.data), train.labels, options);
    const categoricalAuc = rocAuc(holdout.labels, categorical.predictProba(holdout.data));
    const ordinalAuc = rocAuc(holdout.labels, ordinal.predictProba(asNumbers(holdout.data)));
    expect(categoricalAuc).toBeGreaterThan(ordinalAuc + 0.01);
  });

  it('respects maxLeaves, maxDepth and minSamplesLeaf', () => {
    const model = trainGbdt(train.data, train.labels, { maxRounds: 5, maxLeaves: 6, maxDepth: 2, minSamplesLeaf: 100 });
    for (const tree of model.trees) {
      expect(tree.leafValue.length).toBeLessThanOrEqual(4);
      expect(tree.splitFeature.length).toBe(tree.leafValue.length - 1);
    }
    const single = trainGbdt(train.data, train.labels, { maxRounds: 1, minSamplesLeaf: 2000 });
    expect(single.trees[0]?.leafValue).toHaveLength(1);
  });

  it('fits a regression target and round-trips through JSON', () => {
    const [distance, hour] = train.data.columns as [Float64Array, Float64Array];
    const targets = Float64Array.from(distance, (d, r) => d / 100 + Math.sin(hour[r] as number));
    const model = trainGbdt(train.data, targets, { objective: 'regression', maxRounds: 50 });
    const predictions = model.predict(train.data);
    const mean = targets.reduce((a, b) => a + b) / targets.length;
    let residual = 0;
    let total = 0;
    targets.forEach((y, r) => {
      residual += (y - (predictions[r] as number)) ** 2;
      total += (y - mean) ** 2;
    });
    expect(1 - residual / total).toBeGreaterThan(0.95);
    expect(() => model.predictProba(train.data)).toThrow(UnsupportedModelOperationError);
    const restored = modelFromJson(JSON.parse(JSON.stringify(model)));
    expect((restored as GbdtModel).predict(holdout.data)).toEqual(model.predict(holdout.data));
  });

  it('ranks informative features above an irrelevant one', () => {
    const noise = createRandom(5);
    const data = createFeatureMatrix({
      featureNames: [...train.data.featureNames, 'noise'],
      columns: [...train.data.columns, Float64Array.from({ length: train.data.rowCount }, noise)],
      categoricalFeatures: ['airport'],
    });
    const importance = trainGbdt(data, train.labels, { maxRounds: 20 }).featureImportance();
    const of = (name: string) => importance.find((i) => i.featureName === name)?.importance as number;
    expect(importance.reduce((sum, i) => sum + i.importance, 0)).toBeCloseTo(1, 12);
    expect(of('airport')).toBeGreaterThan(of('noise'));
    expect(of('delay')).toBeGreaterThan(of('noise'));
  });

  it('rejects bad options, labels and validation features', () => {
    expect(() => trainGbdt(train.data, train.labels, { maxBins: 256 })).toThrow(InvalidOptionsError);
    expect(() => trainGbdt(train.data, train.labels, { rowSampleRate: 0 })).toThrow(InvalidOptionsError);
    expect(() => trainGbdt(train.data, train.labels.map((y) => y * 2))).toThrow(InvalidDatasetError);
    const renamed = createFeatureMatrix({ featureNames: ['a', 'b', 'c', 'd'], columns: holdout.data.columns });
    expect(() => trainGbdt(train.data, train.labels, { validation: { data: renamed, labels: holdout.labels } })).toThrow(FeatureMismatchError);
  });
});
