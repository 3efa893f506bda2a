import { describe, expect, it } from 'vitest';
import { confusionMatrix, rocAuc, selectRows, trainGbdt } from '../index.js';
import { fold, loadBreastCancer } from '../testing/breast-cancer.js';

describe('trainGbdt() on the UCI breast cancer set', () => {
  /*
   * Reference: 5 folds by row index (test = rows with index mod 5 = k), default
   * parameters, mean over folds of accuracy at 0.5 and ROC AUC:
   *   scikit-learn 1.5.2 HistGradientBoostingClassifier(random_state=0): accuracy 0.9701, AUC 0.9943
   *   LightGBM 4.7.0 LGBMClassifier(random_state=0):                   accuracy 0.9684, AUC 0.9941
   * computed with numpy 2.4.6 by a script that loads `load_breast_cancer(return_X_y=True)`,
   * loops k over 0..4 with `te = np.arange(569) % 5 == k`, fits on ~te, and averages
   * `accuracy_score(y[te], p >= 0.5)` and `roc_auc_score(y[te], p)`.
   * Our defaults are LightGBM's (100 rounds, 31 leaves, 20 rows per leaf, learning rate 0.1).
   * Tolerance: one test row per fold for accuracy (≈ 0.009), 0.003 for AUC.
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
