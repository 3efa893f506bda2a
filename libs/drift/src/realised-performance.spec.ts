import { describe, expect, it } from 'vitest';
import { measureRealisedPerformance } from './index.js';

describe('measureRealisedPerformance()', () => {
  it('reports the observed and predicted positive shares and their gap', () => {
    const labels = [1, 0, 0, 0, 1, 0, 0, 0];
    const probabilities = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    const evidence = measureRealisedPerformance(labels, probabilities);
    expect(evidence?.labelledCount).toBe(8);
    expect(evidence?.observedPositiveShare).toBeCloseTo(0.25, 12);
    expect(evidence?.predictedPositiveShare).toBeCloseTo(0.1, 12);
    expect(evidence?.calibrationGap).toBeCloseTo(0.15, 12);
    // One populated bin: |0.1 − 0.25|.
    expect(evidence?.expectedCalibrationError).toBeCloseTo(0.15, 12);
    expect(evidence?.logLoss).toBeCloseTo(-(2 * Math.log(0.1) + 6 * Math.log(0.9)) / 8, 12);
  });

  it('reports the AUC and its drop below the holdout AUC', () => {
    const labels = [0, 0, 1, 1];
    const probabilities = [0.1, 0.6, 0.4, 0.9];
    const evidence = measureRealisedPerformance(labels, probabilities, { referenceAuc: 0.9 });
    expect(evidence?.auc).toBeCloseTo(0.75, 12);
    expect(evidence?.aucDrop).toBeCloseTo(0.15, 12);
  });

  it('leaves the AUC unset when the rows hold one class, and reports nothing without rows', () => {
    expect(measureRealisedPerformance([0, 0], [0.2, 0.3], { referenceAuc: 0.7 })?.auc).toBeUndefined();
    expect(measureRealisedPerformance([0, 0], [0.2, 0.3], { referenceAuc: 0.7 })?.aucDrop).toBeUndefined();
    expect(measureRealisedPerformance([], [])).toBeUndefined();
  });
});
