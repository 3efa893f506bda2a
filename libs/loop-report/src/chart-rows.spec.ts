import { describe, expect, it } from 'vitest';
import { loopChartRows } from './index.js';
import { DAY_MS, HOSTILE_FEATURE, HOUR_MS, T0, sampleData, sampleReports } from './testing/loop-report-data.fixture.js';

describe('loopChartRows()', () => {
  const rows = loopChartRows(sampleData(), { topFeatures: 3 });

  it('makes one AUC point per window and version whose AUC is known, at the window’s middle, and each version’s holdout AUC once', () => {
    const withAuc = sampleReports().filter((report) => report.performance?.auc !== undefined);
    expect(rows.auc.map((p) => [p.windowMidMs, p.version, p.auc, p.outcomes])).toEqual(
      withAuc.map((r) => [T0 + Number(r.reportId.split('-')[1]) * DAY_MS + DAY_MS / 2, `v${r.modelVersion}`, r.performance?.auc, r.performance?.labelledCount]),
    );
    expect(rows.holdoutAuc.map((h) => [h.version, h.auc])).toEqual([['v2', 0.697], ['v4', 0.708]]);
  });

  it('makes a predicted and an observed late share per window and version', () => {
    expect(rows.calibration).toHaveLength(2 * sampleReports().length);
    expect(rows.calibration.filter((p) => p.series === 'observed late share').map((p) => p.share)).toEqual(sampleReports().map((r) => r.performance?.observedPositiveShare));
    expect(rows.calibration.filter((p) => p.series === 'predicted late share').map((p) => p.share)).toEqual(sampleReports().map((r) => r.performance?.predictedPositiveShare));
  });

  it('charts the drift share of every report with the dataset-drift threshold', () => {
    expect(rows.driftShare.map((p) => p.driftShare)).toEqual([0.1, 0.12, 0.15, 0.6]);
    expect(rows.driftShareThreshold).toBe(0.5);
  });

  it('keeps the features with the largest effect per statistic, leaves out unjudged ones, and takes the thresholds the monitor judged by', () => {
    const features = (statistic: string) => [...new Set(rows.featureEffects.filter((p) => p.statistic === statistic).map((p) => p.feature))].sort();
    // Largest normed Wasserstein: origin_delay_mean_7d (up to 1.3), the hostile one (0.9), route_late_share_7d (up to 0.75); day_of_week (1.8) is unjudged.
    expect(features('normed Wasserstein')).toEqual([HOSTILE_FEATURE, 'origin_delay_mean_7d', 'route_late_share_7d'].sort());
    expect(features('Jensen–Shannon')).toEqual(['destination', 'origin']);
    expect(rows.featureEffects.filter((p) => p.feature === 'origin_delay_mean_7d').map((p) => [p.value, p.drifted])).toEqual([[0.6000000000000001, false], [1, true], [0.8, false], [1.3, true]]);
    expect(rows.effectThresholds).toEqual([{ statistic: 'normed Wasserstein', threshold: 1 }, { statistic: 'Jensen–Shannon', threshold: 0.2 }]);
  });

  it('stacks the answers by version and tier, and marks where each version first answered as primary', () => {
    expect(rows.serving.map((bar) => [bar.startMs - T0, bar.endMs - bar.startMs, bar.series, bar.predictions, bar.stackBottom, bar.stackTop])).toEqual([
      [0, HOUR_MS, 'v2 primary', 80, 0, 80],
      [HOUR_MS, HOUR_MS, 'v2 primary', 70, 0, 70],
      [HOUR_MS, HOUR_MS, 'v1 fallback model', 3, 70, 73],
      [32 * HOUR_MS, HOUR_MS, 'v2 primary', 40, 0, 40],
      [32 * HOUR_MS, HOUR_MS, 'v4 primary', 45, 40, 85],
      [33 * HOUR_MS, HOUR_MS, 'rules', 2, 0, 2],
      [50 * HOUR_MS, HOUR_MS, 'v4 primary', 90, 0, 90],
    ]);
    expect(rows.takeovers.map((t) => [t.version, t.timeMs - T0, t.label])).toEqual([
      ['v2', 5 * 60_000, 'v2 answers as primary from 2001-05-21 00:05'],
      ['v4', 32 * HOUR_MS + 30 * 60_000, 'v4 answers as primary from 2001-05-22 08:30'],
    ]);
  });
});
