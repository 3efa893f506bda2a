import { describe, expect, it } from 'vitest';
import { binaryClassificationMetrics, brierScore, calibrationTable, confusionMatrix, logLoss, rocAuc } from '../index.js';

// Reference values from scikit-learn 1.5.2 (roc_auc_score, log_loss, brier_score_loss,
// precision/recall/f1_score at 0.5) on exactly these ten rows, which include a three-way tie at 0.4.
const labels = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0];
const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.2, 0.9, 0.6, 0.7];

describe('rocAuc()', () => {
  it('counts ties as half a win, like scikit-learn', () => {
    expect(rocAuc(labels, scores)).toBeCloseTo(0.76, 12);
  });

  it('is 1 for a perfect ranking and 0.5 for constant scores', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9])).toBe(1);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('refuses a single class', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(/both positive and negative/);
  });
});

describe('logLoss() and brierScore()', () => {
  it('match scikit-learn', () => {
    expect(logLoss(labels, scores)).toBeCloseTo(0.5359570665940813, 12);
    expect(brierScore(labels, scores)).toBeCloseTo(0.18525, 12);
  });

  it('keeps log loss finite for a confident mistake', () => {
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 6);
  });
});

describe('calibrationTable()', () => {
  it('groups predictions into equal-width bins with mean prediction and observed rate', () => {
    const table = calibrationTable(labels, scores, { bins: 2 });
    expect(table.map((bin) => bin.count)).toEqual([6, 4]);
    expect(table[0]?.meanPredicted).toBeCloseTo((0.1 + 0.4 + 0.35 + 0.4 + 0.4 + 0.2) / 6, 12);
    expect(table[0]?.observedRate).toBeCloseTo(2 / 6, 12);
    expect(table[1]?.observedRate).toBeCloseTo(3 / 4, 12);
  });

  it('puts a probability of exactly 1 in the last bin and marks empty bins with NaN', () => {
    const table = calibrationTable([1], [1], { bins: 4 });
    expect(table[3]?.count).toBe(1);
    expect(table[0]?.meanPredicted).toBeNaN();
  });
});

describe('confusionMatrix()', () => {
  it('counts decisions at the threshold and derives precision, recall, F1 and accuracy', () => {
    const matrix = confusionMatrix(labels, scores);
    expect(matrix).toMatchObject({ truePositives: 3, falsePositives: 1, trueNegatives: 4, falseNegatives: 2 });
    expect(matrix.precision).toBeCloseTo(0.75, 12);
    expect(matrix.recall).toBeCloseTo(0.6, 12);
    expect(matrix.f1).toBeCloseTo(2 / 3, 12);
    expect(matrix.accuracy).toBeCloseTo(0.7, 12);
  });

  it('reports zero precision when nothing is predicted positive', () => {
    expect(confusionMatrix([0, 1], [0.1, 0.2], { threshold: 0.9 }).precision).toBe(0);
  });
});

describe('binaryClassificationMetrics()', () => {
  it('gathers every metric for one labelled set', () => {
    const metrics = binaryClassificationMetrics(labels, scores, { calibrationBins: 5 });
    expect(metrics).toMatchObject({ rowCount: 10, positiveRate: 0.5 });
    expect(metrics.auc).toBeCloseTo(0.76, 12);
    expect(metrics.calibration).toHaveLength(5);
    expect(metrics.confusion.threshold).toBe(0.5);
  });

  it('rejects labels other than 0 and 1', () => {
    expect(() => binaryClassificationMetrics([0, 2], [0.1, 0.2])).toThrow(/0 or 1/);
  });
});
