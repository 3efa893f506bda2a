import { describe, expect, it } from 'vitest';
import { choosePrimary, type ModelEvaluation } from './index.js';

function model(kind: string, auc: number) {
  const evaluation: ModelEvaluation = { rowCount: 100, positiveRate: 0.2, auc, logLoss: 0.5, brier: 0.15, calibrationError: 0.02, calibration: [] };
  return { kind, evaluation };
}

describe('choosePrimary()', () => {
  it('keeps the preferred model primary when it ranks at least as well', () => {
    const gbdt = model('gbdt', 0.71);
    const logistic = model('logistic_regression', 0.7);
    expect(choosePrimary(gbdt, logistic)).toEqual({ primary: gbdt, fallback: logistic, reason: "gbdt serves: holdout AUC 0.7100, logistic_regression's 0.7000" });
    expect(choosePrimary(gbdt, model('logistic_regression', 0.71)).primary).toBe(gbdt);
  });

  it('serves the other model, with the preferred one as its fallback, when the other ranks better', () => {
    const gbdt = model('gbdt', 0.654);
    const logistic = model('logistic_regression', 0.678);
    expect(choosePrimary(gbdt, logistic)).toEqual({ primary: logistic, fallback: gbdt, reason: "logistic_regression serves: holdout AUC 0.6780 above gbdt's 0.6540" });
  });
});
