import { create } from '@bufbuild/protobuf';
import { DriftReasonSchema, type DriftReason, type DriftReport } from '@tributary/contracts';
import { InvalidOptionsError } from './errors.js';
import { checkInteger, checkShare } from './option-checks.js';

/** The rules a window is judged by, named as a `DriftReason`'s `rule`. */
export type AlarmRule = 'calibration_gap' | 'auc_drop' | 'dataset_drift' | 'feature_drift' | 'prediction_drift';

/** When a window raises an alarm. */
export interface AlarmThresholds {
  /**
   * Absolute gap between the observed and the mean predicted positive share
   * (e.g. late flights). Default: 0.04 — by calendar month the 2001 flights'
   * late share changes 0.019–0.032 from one month to the next, except
   * May → June (0.054).
   */
  readonly calibrationGap?: number;
  /** Drop of the realised AUC below the version's holdout AUC. Default: 0.05. */
  readonly aucDrop?: number;
  /** Outcomes a window needs before calibration and AUC are judged. Default: 1000. */
  readonly minLabelledCount?: number;
  /** Predictions a window needs before feature, dataset and prediction drift are judged. Default: 1000. */
  readonly minSampleCount?: number;
}

/** {@link AlarmThresholds} with every default filled in. */
export type ResolvedAlarmThresholds = Required<AlarmThresholds>;

/** Fills in and checks {@link AlarmThresholds}. */
export function resolveAlarmThresholds(thresholds: AlarmThresholds = {}): ResolvedAlarmThresholds {
  const resolved = { calibrationGap: 0.04, aucDrop: 0.05, minLabelledCount: 1000, minSampleCount: 1000, ...thresholds };
  checkShare('calibrationGap', resolved.calibrationGap);
  checkShare('aucDrop', resolved.aucDrop);
  checkInteger('minLabelledCount', resolved.minLabelledCount, 1);
  checkInteger('minSampleCount', resolved.minSampleCount, 1);
  if (resolved.calibrationGap === 0) throw new InvalidOptionsError('calibrationGap', 'must be > 0, or every window would alarm');
  return resolved;
}

/**
 * The rules a window's report breaks: realised calibration and AUC once
 * enough outcomes are known, then drift of the dataset (drift share at its
 * threshold), of single features and of the prediction — each judged by
 * effect size per `chooseDriftRules`, never by a p-value on a large window.
 */
export function judgeWindow(report: DriftReport, thresholds: ResolvedAlarmThresholds): DriftReason[] {
  const reasons: DriftReason[] = [];
  const reason = (rule: AlarmRule, value: number, threshold: number, detail: string) => reasons.push(create(DriftReasonSchema, { rule, value, threshold, detail }));
  const { performance } = report;
  if (performance !== undefined && performance.labelledCount >= thresholds.minLabelledCount) {
    const gap = performance.calibrationGap;
    if (Math.abs(gap) >= thresholds.calibrationGap) {
      reason('calibration_gap', Math.abs(gap), thresholds.calibrationGap, `observed positive share ${fixed(performance.observedPositiveShare)} vs predicted ${fixed(performance.predictedPositiveShare)} over ${performance.labelledCount} outcomes`);
    }
    if (performance.aucDrop !== undefined && performance.aucDrop >= thresholds.aucDrop) {
      reason('auc_drop', performance.aucDrop, thresholds.aucDrop, `realised AUC ${fixed(performance.auc ?? Number.NaN)} vs holdout AUC ${fixed(performance.referenceAuc ?? Number.NaN)}`);
    }
  }
  if (report.sampleCount >= thresholds.minSampleCount) {
    const drifted = report.features.filter((feature) => feature.drifted);
    if (report.drifted) reason('dataset_drift', report.driftShare, report.driftShareThreshold, `${drifted.length} of ${report.features.length} features drifted`);
    if (drifted.length > 0) {
      // Value: how many features drifted; each one's statistic and threshold are in the detail (and in `features`).
      reason('feature_drift', drifted.length, 1, drifted.map((f) => `${f.featureName} (${f.decidedBy} ${fixed(valueOf(f.decidedBy, f))}, threshold ${f.threshold})`).join(', '));
    }
    const { prediction } = report;
    if (prediction?.drifted) {
      reason('prediction_drift', valueOf(prediction.decidedBy, prediction), prediction.threshold, `predicted probability (${prediction.decidedBy} ${fixed(valueOf(prediction.decidedBy, prediction))})`);
    }
  }
  return reasons;
}

/** The value of the statistic a feature was decided by, read by its drift.proto field name. */
function valueOf(statistic: string, feature: DriftReport['features'][number]): number {
  const camel = statistic.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof typeof feature;
  const value = feature[camel];
  return typeof value === 'number' ? value : Number.NaN;
}

function fixed(value: number): string {
  return value.toFixed(3);
}
