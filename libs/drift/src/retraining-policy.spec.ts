import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { DriftReportSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { createRetrainingPolicy, type LastTrainingRequest } from './index.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);

function report(windowEndMs: number, ...rules: string[]) {
  return create(DriftReportSchema, {
    window: { startTime: timestampFromMs(windowEndMs - DAY), endTime: timestampFromMs(windowEndMs) },
    reasons: rules.map((rule) => ({ rule, value: 1, threshold: 0.5 })),
    alert: rules.length > 0,
  });
}

const done = (eventTimeMs: number): LastTrainingRequest => ({ requestId: 'r1', eventTimeMs, requestedAtMs: NOW - DAY, completed: true });

describe('createRetrainingPolicy()', () => {
  const policy = createRetrainingPolicy({ cooldownMs: 7 * DAY, requestTimeoutMs: 3_600_000 });

  it('requests training when a retraining rule fired and nothing blocks it', () => {
    expect(policy.afterReport(report(10 * DAY, 'calibration_gap', 'feature_drift'), undefined, NOW)).toEqual({ action: 'request', trigger: 'drift', rules: ['calibration_gap'] });
  });

  it('only alerts on feature or prediction drift alone', () => {
    expect(policy.afterReport(report(10 * DAY, 'feature_drift', 'prediction_drift'), undefined, NOW)).toEqual({ action: 'skip', why: 'no_rule' });
  });

  it('honours the cooldown in event time after the last request', () => {
    expect(policy.afterReport(report(16 * DAY, 'auc_drop'), done(10 * DAY), NOW)).toEqual({ action: 'skip', why: 'cooldown' });
    expect(policy.afterReport(report(17 * DAY, 'auc_drop'), done(10 * DAY), NOW)).toMatchObject({ action: 'request' });
  });

  it('keeps one request in flight until the trainer answers or the request times out', () => {
    const pending = { requestId: 'r1', eventTimeMs: 0, requestedAtMs: NOW - 60_000, completed: false };
    expect(policy.afterReport(report(30 * DAY, 'dataset_drift'), pending, NOW)).toEqual({ action: 'skip', why: 'in_flight' });
    expect(policy.afterReport(report(30 * DAY, 'dataset_drift'), { ...pending, requestedAtMs: NOW - 3_600_000 }, NOW)).toMatchObject({ action: 'request' });
  });

  it('schedules retraining every interval of event time when asked to', () => {
    const scheduled = createRetrainingPolicy({ scheduleIntervalMs: 14 * DAY });
    expect(scheduled.onSchedule(13 * DAY, 0, undefined, NOW)).toEqual({ action: 'skip', why: 'not_due' });
    expect(scheduled.onSchedule(14 * DAY, 0, undefined, NOW)).toEqual({ action: 'request', trigger: 'schedule', rules: [] });
    expect(scheduled.onSchedule(20 * DAY, 0, done(10 * DAY), NOW)).toEqual({ action: 'skip', why: 'not_due' });
    expect(policy.onSchedule(1000 * DAY, 0, undefined, NOW)).toEqual({ action: 'skip', why: 'not_due' });
  });
});
