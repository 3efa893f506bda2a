import { describe, expect, it } from 'vitest';
import { decidePromotion, type ModelEvaluation } from './index.js';

function evaluation(auc: number, brier: number, calibrationError: number): ModelEvaluation {
  return { rowCount: 100, positiveRate: 0.2, auc, logLoss: 0.5, brier, calibrationError, calibration: [] };
}

describe('decidePromotion()', () => {
  const candidate = evaluation(0.72, 0.15, 0.02);

  it('promotes when there is no champion', () => {
    expect(decidePromotion(candidate, { kind: 'none' })).toEqual({ promote: true, reason: 'no champion yet' });
  });

  it('never replaces a champion it could not compare with', () => {
    const decision = decidePromotion(candidate, { kind: 'unscored', version: 3, reason: 'other features' });
    expect(decision.promote).toBe(false);
    expect(decision.reason).toContain('v3 could not be compared');
  });

  it('promotes a candidate that gains enough AUC without losing calibration', () => {
    const decision = decidePromotion(candidate, { kind: 'scored', version: 2, evaluation: evaluation(0.715, 0.1505, 0.025) }, { minAucGain: 0.002 });
    expect(decision.promote).toBe(true);
  });

  it('keeps the champion when the AUC gain is below the margin', () => {
    const decision = decidePromotion(candidate, { kind: 'scored', version: 2, evaluation: evaluation(0.7195, 0.15, 0.02) }, { minAucGain: 0.001 });
    expect(decision.promote).toBe(false);
    expect(decision.reason).toMatch(/AUC gain 0\.0005 < 0\.001/);
  });

  it('keeps the champion when Brier or calibration get worse beyond tolerance', () => {
    const worseBrier = decidePromotion(candidate, { kind: 'scored', version: 2, evaluation: evaluation(0.7, 0.145, 0.02) }, { maxBrierIncrease: 0.001 });
    expect(worseBrier.promote).toBe(false);
    expect(worseBrier.reason).toMatch(/Brier worse/);
    const worseCalibration = decidePromotion(candidate, { kind: 'scored', version: 2, evaluation: evaluation(0.7, 0.15, 0.001) }, { maxCalibrationErrorIncrease: 0.01 });
    expect(worseCalibration.promote).toBe(false);
    expect(worseCalibration.reason).toMatch(/calibration error worse/);
  });

  it('never promotes a primary worse than its own fallback, even with no champion', () => {
    const decision = decidePromotion(candidate, { kind: 'none' }, {}, evaluation(0.73, 0.15, 0.02));
    expect(decision).toEqual({ promote: false, reason: 'worse than its own fallback: holdout AUC 0.7200 < 0.7300' });
    const beatingChampion = decidePromotion(candidate, { kind: 'scored', version: 2, evaluation: evaluation(0.6, 0.2, 0.05) }, {}, evaluation(0.7201, 0.15, 0.02));
    expect(beatingChampion.promote).toBe(false);
  });

  it('promotes a primary at least as good as its fallback by the champion rules alone', () => {
    expect(decidePromotion(candidate, { kind: 'none' }, {}, evaluation(0.72, 0.14, 0.01))).toEqual({ promote: true, reason: 'no champion yet' });
  });
});
