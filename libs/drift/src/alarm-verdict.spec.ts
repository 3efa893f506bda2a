import { create } from '@bufbuild/protobuf';
import { DriftReportSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { alarmVerdict, newAlarmReasons } from './index.js';

function report(rules: readonly string[], driftedFeatures: readonly string[] = []) {
  return create(DriftReportSchema, {
    reasons: rules.map((rule) => ({ rule, value: 1, threshold: 0.5 })),
    features: ['delay_mean', 'distance', 'origin_code'].map((featureName) => ({ featureName, drifted: driftedFeatures.includes(featureName) })),
    alert: rules.length > 0,
  });
}

describe('alarmVerdict()', () => {
  it('is empty for a window without reasons, even with a drifted feature below the sample minimum', () => {
    expect(alarmVerdict(report([], ['delay_mean']))).toEqual([]);
  });

  it('names each rule, and feature drift once per drifted feature', () => {
    expect(alarmVerdict(report(['calibration_gap', 'feature_drift'], ['origin_code', 'delay_mean']))).toEqual(['calibration_gap', 'feature_drift:delay_mean', 'feature_drift:origin_code']);
  });

  it('does not depend on the order of the reasons', () => {
    expect(alarmVerdict(report(['feature_drift', 'auc_drop'], ['distance']))).toEqual(alarmVerdict(report(['auc_drop', 'feature_drift'], ['distance'])));
  });
});

describe('newAlarmReasons()', () => {
  const verdict = (rules: readonly string[], features: readonly string[] = []) => alarmVerdict(report(rules, features));

  it('raises the first verdict of a window in full', () => {
    expect(newAlarmReasons(verdict(['calibration_gap']), [])).toEqual(['calibration_gap']);
  });

  it('raises nothing for the same verdict on a new revision', () => {
    const before = verdict(['calibration_gap', 'feature_drift'], ['delay_mean']);
    expect(newAlarmReasons(verdict(['feature_drift', 'calibration_gap'], ['delay_mean']), before)).toEqual([]);
  });

  it('raises only what joined: a new rule, or one more drifted feature', () => {
    const before = verdict(['calibration_gap', 'feature_drift'], ['delay_mean']);
    expect(newAlarmReasons(verdict(['calibration_gap', 'auc_drop', 'feature_drift'], ['delay_mean']), before)).toEqual(['auc_drop']);
    expect(newAlarmReasons(verdict(['calibration_gap', 'feature_drift'], ['delay_mean', 'distance']), before)).toEqual(['feature_drift:distance']);
  });

  it('raises a different drifted feature even when the count of drifted features stays the same', () => {
    expect(newAlarmReasons(verdict(['feature_drift'], ['distance']), verdict(['feature_drift'], ['delay_mean']))).toEqual(['feature_drift:distance']);
  });

  it('raises nothing for a verdict that lost a reason', () => {
    expect(newAlarmReasons(verdict(['feature_drift'], ['delay_mean']), verdict(['calibration_gap', 'feature_drift'], ['delay_mean']))).toEqual([]);
  });

  it('raises a reason again once a revision in between had cleared it', () => {
    expect(newAlarmReasons(verdict(['calibration_gap']), verdict([]))).toEqual(['calibration_gap']);
  });
});
