import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { FeatureKind, type DriftReport, type ReferenceProfile } from '@tributary/contracts';
import { chooseDriftRules, type ChooseDriftRulesOptions } from './choose-drift-rules.js';
import { compareToReference } from './compare-to-reference.js';
import type { EventTimeWindow } from './event-time-windows.js';
import type { FeatureColumn } from './feature-columns.js';
import { judgeWindow, type ResolvedAlarmThresholds } from './judge-window.js';
import { measureRealisedPerformance } from './realised-performance.js';

/** The served predictions of one model version in one window, joined with their outcomes. */
export interface WindowRows {
  readonly rowCount: number;
  /** Predicted probability per row. */
  readonly probabilities: Float64Array;
  /** Outcome per row: 1 positive (late), 0 negative, NaN not known yet. */
  readonly outcomes: Float64Array;
  /** A feature's value per row as the model saw it (categorical features as their codes); NaN when absent. */
  column(featureName: string): Float64Array;
}

/** Options of {@link evaluateWindow}. */
export interface EvaluateWindowOptions {
  readonly reportId: string;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly window: EventTimeWindow;
  /** Step between window starts, ms (the size for tumbling windows). */
  readonly windowStepMs: number;
  /** The version's reference profile. */
  readonly profile: ReferenceProfile;
  /** The version's holdout AUC, when known. */
  readonly referenceAuc?: number;
  readonly thresholds: ResolvedAlarmThresholds;
  /** How the drift method is chosen by sample size. Default: Evidently's choice, see `chooseDriftRules`. */
  readonly driftRules?: ChooseDriftRulesOptions;
  /** Share of drifted features from which the dataset drifted. Default: 0.5. */
  readonly driftShareThreshold?: number;
  /**
   * Features that cycle, with their period in ms, e.g. `{ day_of_week: 7 days }`:
   * in a window shorter than its period such a feature is measured and
   * reported but never flagged — one weekday is not a fortnight's mix of
   * weekdays, and would flag every daily window. Default: none.
   */
  readonly periodicFeatures?: Readonly<Record<string, number>>;
  /** Increases with each re-evaluation of the window. */
  readonly revision: number;
  readonly createdAt: Date;
}

/**
 * One window's report: per-feature and prediction drift against the
 * profile (method by sample size), dataset drift share, realised
 * performance and calibration on the rows whose outcome is known, and the
 * alarm rules that fired (`reasons`, `alert`).
 */
export function evaluateWindow(rows: WindowRows, options: EvaluateWindowOptions): DriftReport {
  const { profile, window } = options;
  const columns: FeatureColumn[] = profile.features.map((feature) =>
    feature.kind === FeatureKind.CATEGORICAL
      ? { name: feature.featureName, kind: 'categorical', values: rows.column(feature.featureName) }
      : { name: feature.featureName, kind: 'numeric', values: rows.column(feature.featureName) },
  );
  const report = compareToReference(profile, columns, {
    predictions: rows.probabilities,
    rules: chooseDriftRules(rows.rowCount, options.driftRules),
    ...(options.driftShareThreshold === undefined ? {} : { driftShareThreshold: options.driftShareThreshold }),
    unjudgedFeatures: new Set(Object.entries(options.periodicFeatures ?? {}).flatMap(([name, periodMs]) => (window.endMs - window.startMs < periodMs ? [name] : []))),
    modelName: options.modelName,
    modelVersion: options.modelVersion,
    window: { startTime: timestampFromMs(window.startMs), endTime: timestampFromMs(window.endMs) },
    reportId: options.reportId,
    createdAt: options.createdAt,
  });
  // A window with no profiled features still counts its rows.
  report.sampleCount = rows.rowCount;
  const labelled: number[] = [];
  rows.outcomes.forEach((outcome, i) => {
    if (!Number.isNaN(outcome)) labelled.push(i);
  });
  const performance = measureRealisedPerformance(
    Float64Array.from(labelled, (i) => rows.outcomes[i] as number),
    Float64Array.from(labelled, (i) => rows.probabilities[i] as number),
    options.referenceAuc === undefined ? {} : { referenceAuc: options.referenceAuc },
  );
  if (performance !== undefined) report.performance = performance;
  report.reasons = judgeWindow(report, options.thresholds);
  report.alert = report.reasons.length > 0;
  report.revision = options.revision;
  report.windowSizeMs = BigInt(window.endMs - window.startMs);
  report.windowStepMs = BigInt(options.windowStepMs);
  return report;
}
