import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  DriftReportSchema,
  ModelLifecycleEventSchema,
  ModelLifecycleEventType,
  ModelVersionSchema,
  TrainingReason,
  TimeWindowSchema,
  TrainingRequestSchema,
} from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { describeLoopEvent, driftEvidence, formatEventTime, formatTimeline, formatWindow } from './demo-timeline.js';

const may = (day: number, hour = 0) => Date.UTC(2001, 4, day, hour);
const window = (from: number, to: number) => create(TimeWindowSchema, { startTime: timestampFromMs(from), endTime: timestampFromMs(to) });

const report = create(DriftReportSchema, {
  modelName: 'flight-delay',
  modelVersion: 2,
  window: window(may(15), may(16)),
  sampleCount: 2035,
  reasons: [
    { rule: 'calibration_gap', value: 0.0512, threshold: 0.04 },
    { rule: 'feature_drift', value: 3, threshold: 1 },
  ],
  performance: { labelledCount: 2035, auc: 0.651, referenceAuc: 0.696, predictedPositiveShare: 0.127, observedPositiveShare: 0.178 },
  features: [
    { featureName: 'origin.out_delay_mean_1h', drifted: true },
    { featureName: 'distance_miles', drifted: false },
    { featureName: 'origin.out_late_share_24h', drifted: true },
  ],
});

describe('formatEventTime() and formatWindow()', () => {
  it('write the dataset\'s naive times to the minute, a window\'s end without the year it shares with its start', () => {
    expect(formatEventTime(may(15, 6))).toBe('2001-05-15 06:00');
    expect(formatEventTime(Number.NaN)).toBe('–');
    expect(formatWindow(window(may(1), may(15)))).toBe('2001-05-01 00:00 → 05-15 00:00');
    expect(formatWindow(undefined)).toBe('– → –');
  });
});

describe('driftEvidence()', () => {
  it('gives the rules that fired with value and threshold, predicted against observed late share, realised against holdout AUC, and the drifted features', () => {
    expect(driftEvidence(report)).toBe(
      'calibration_gap 0.051 (threshold 0.04), feature_drift 3.000 (threshold 1), predicted 12.7 % vs observed 17.8 % late, realised AUC 0.651 (holdout 0.696); drifted: origin.out_delay_mean_1h, origin.out_late_share_24h',
    );
  });
});

describe('describeLoopEvent()', () => {
  it('says which version and window drifted and by which rules', () => {
    expect(describeLoopEvent({ kind: 'drift-detected', report })).toBe('drift.detected  v2, window 2001-05-15 00:00 → 05-16 00:00: calibration_gap 0.051, feature_drift 3');
  });

  it('says who asked for training, why, and on which window', () => {
    const request = create(TrainingRequestSchema, {
      modelName: 'flight-delay',
      requestedBy: 'drift-monitor',
      reason: TrainingReason.DRIFT_DETECTED,
      driftReportId: '21ff750b-9a91-5f41-a053-dacc3d0cf7f2',
      trainingWindow: window(may(2), may(16)),
    });
    expect(describeLoopEvent({ kind: 'training-requested', request })).toBe('training.requested by drift-monitor (drift report 21ff750b): train on 2001-05-02 00:00 → 05-16 00:00');
  });

  it('tells registrations with role and holdout AUC, and alias moves with the reason', () => {
    const registered = create(ModelLifecycleEventSchema, {
      type: ModelLifecycleEventType.REGISTERED,
      modelName: 'flight-delay',
      version: 4,
      modelVersion: create(ModelVersionSchema, { version: 4, modelType: 'gbdt', tags: { role: 'primary' }, metrics: { holdout_auc: 0.72123 } }),
    });
    expect(describeLoopEvent({ kind: 'lifecycle', event: registered })).toBe('registered v4 (primary, gbdt): holdout AUC 0.7212');
    const moved = create(ModelLifecycleEventSchema, { type: ModelLifecycleEventType.ALIAS_SET, modelName: 'flight-delay', alias: 'champion', version: 4, previousVersion: 2, reason: 'better than the champion' });
    expect(describeLoopEvent({ kind: 'lifecycle', event: moved })).toBe('champion → v4 (was v2): better than the champion');
  });
});

describe('formatTimeline()', () => {
  it('puts the wall clock since the start and the replay\'s event time before each step', () => {
    expect(formatTimeline([{ wallMs: 93_420, eventTimeMs: may(16, 6), text: 'champion → v4' }])).toEqual(['  +  93.4 s   2001-05-16 06:00   champion → v4']);
  });
});
