import { describe, expect, it } from 'vitest';
import { chooseDriftRules, evaluateWindow, resolveAlarmThresholds, type EvaluateWindowOptions } from './index.js';
import { scoredRows, scoredRowsProfile } from './testing/scored-rows.js';

const profile = scoredRowsProfile(scoredRows({ count: 20_000, seed: 1 }));
const options: EvaluateWindowOptions = {
  reportId: 'r-1',
  modelName: 'flight-delay',
  modelVersion: 3,
  window: { startMs: 0, endMs: 86_400_000 },
  windowStepMs: 86_400_000,
  profile,
  referenceAuc: 0.62,
  thresholds: resolveAlarmThresholds(),
  revision: 0,
  createdAt: new Date(0),
};

describe('evaluateWindow()', () => {
  it('raises no alarm on a window drawn like the reference, though its KS p-values would be judged on 20k rows', () => {
    const report = evaluateWindow(scoredRows({ count: 20_000, seed: 2 }), options);
    expect(report.reasons).toEqual([]);
    expect(report.alert).toBe(false);
    expect(report.features.map((f) => f.decidedBy)).toEqual(['wasserstein_distance_normed', 'wasserstein_distance_normed', 'jensen_shannon_distance']);
    expect(report.performance?.labelledCount).toBe(20_000);
    expect(Math.abs(report.performance?.calibrationGap ?? 1)).toBeLessThan(0.02);
    expect(report.windowSizeMs).toBe(86_400_000n);
  });

  it('names the shifted feature with its effect size and threshold', () => {
    const report = evaluateWindow(scoredRows({ count: 20_000, seed: 3, delayShift: 2 }), options);
    const delay = report.features.find((f) => f.featureName === 'delay_mean');
    expect(delay).toMatchObject({ drifted: true, decidedBy: 'wasserstein_distance_normed', threshold: 1 });
    expect(delay?.wassersteinDistanceNormed).toBeGreaterThan(1.5);
    expect(report.features.filter((f) => f.drifted).map((f) => f.featureName)).toEqual(['delay_mean']);
    const rules = report.reasons.map((r) => r.rule);
    expect(rules).toContain('feature_drift');
    expect(rules).toContain('prediction_drift');
    expect(report.reasons.find((r) => r.rule === 'feature_drift')?.detail).toMatch(/^delay_mean \(wasserstein_distance_normed \d\.\d+, threshold 1\)$/);
    expect(report.alert).toBe(true);
  });

  it('catches a calibration gap that moves no input feature', () => {
    const report = evaluateWindow(scoredRows({ count: 20_000, seed: 4, outcomeShift: 0.06 }), options);
    expect(report.features.some((f) => f.drifted)).toBe(false);
    const gap = report.reasons.find((r) => r.rule === 'calibration_gap');
    expect(gap?.value).toBeGreaterThan(0.04);
    expect(gap?.threshold).toBe(0.04);
    expect(report.performance?.observedPositiveShare).toBeGreaterThan(report.performance?.predictedPositiveShare ?? 1);
  });

  it('judges performance only once enough outcomes are known', () => {
    const rows = scoredRows({ count: 20_000, seed: 5, outcomeShift: 0.1 });
    const outcomes = rows.outcomes.map((outcome, i) => (i < 500 ? outcome : Number.NaN));
    const report = evaluateWindow({ ...rows, outcomes }, options);
    expect(report.performance?.labelledCount).toBe(500);
    expect(report.reasons.map((r) => r.rule)).not.toContain('calibration_gap');
  });

  it('judges a small window by p-values, as Evidently does', () => {
    expect(chooseDriftRules(500).numeric).toEqual([{ statistic: 'ks_p_value', threshold: 0.05 }]);
    const report = evaluateWindow(scoredRows({ count: 500, seed: 6, delayShift: 1 }), options);
    expect(report.features.find((f) => f.featureName === 'delay_mean')).toMatchObject({ drifted: true, decidedBy: 'ks_p_value' });
    // Below the 1000 predictions a window needs, drift is measured but raises no alarm.
    expect(report.alert).toBe(false);
  });

  it('judges a periodic feature only in windows at least as long as its period', () => {
    const shifted = scoredRows({ count: 20_000, seed: 5, delayShift: 2 });
    const periodicFeatures = { delay_mean: 7 * 86_400_000 };
    const daily = evaluateWindow(shifted, { ...options, periodicFeatures });
    expect(daily.features.find((f) => f.featureName === 'delay_mean')).toMatchObject({ drifted: false, decidedBy: 'unjudged' });
    expect(daily.reasons.map((r) => r.rule)).not.toContain('feature_drift');
    const weekly = evaluateWindow(shifted, { ...options, window: { startMs: 0, endMs: 7 * 86_400_000 }, windowStepMs: 7 * 86_400_000, periodicFeatures });
    expect(weekly.features.find((f) => f.featureName === 'delay_mean')?.drifted).toBe(true);
  });
});
