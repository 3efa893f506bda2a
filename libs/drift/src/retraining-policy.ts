import type { DriftReport } from '@tributary/contracts';
import { InvalidOptionsError } from './errors.js';
import type { AlarmRule } from './judge-window.js';

/** Options of {@link createRetrainingPolicy}. */
export interface RetrainingPolicyOptions {
  /** Alarm rules that ask for retraining; the others only alert. Default: calibration_gap, auc_drop, dataset_drift. */
  readonly retrainOn?: readonly AlarmRule[];
  /**
   * Event time after a request (its window's end) during which no other is
   * made for the model, ms. Event time, so a replay decides as the live
   * stream did. Default: 7 days.
   */
  readonly cooldownMs?: number;
  /** Wall-clock time after which a request the trainer never answered (failed, dead-lettered) stops counting as in flight, ms. Default: 6 h. */
  readonly requestTimeoutMs?: number;
  /** Event time between scheduled retrainings (push), counted from the model's last request or first window, ms; 0 turns the schedule off. Default: 0. */
  readonly scheduleIntervalMs?: number;
}

/** What the monitor knows of a model's last training request. */
export interface LastTrainingRequest {
  readonly requestId: string;
  /** End of the window (event time) it was made for. */
  readonly eventTimeMs: number;
  /** When it was made, wall clock. */
  readonly requestedAtMs: number;
  /** Whether the trainer has registered the version it produced. */
  readonly completed: boolean;
}

/** Whether to ask for training now, and why (not). */
export type RetrainingDecision =
  | { readonly action: 'request'; readonly trigger: 'drift' | 'schedule'; readonly rules: readonly AlarmRule[] }
  | { readonly action: 'skip'; readonly why: 'no_rule' | 'cooldown' | 'in_flight' | 'not_due' };

/** The retraining policy of the drift monitor. */
export interface RetrainingPolicy {
  /** After a window's report: request when a retraining rule fired, outside the cooldown, with no request in flight. */
  afterReport(report: DriftReport, last: LastTrainingRequest | undefined, nowMs: number): RetrainingDecision;
  /** When windows up to `eventTimeMs` are closed: request when the schedule is due (`sinceMs` = the model's first window end when it never had a request). */
  onSchedule(eventTimeMs: number, sinceMs: number, last: LastTrainingRequest | undefined, nowMs: number): RetrainingDecision;
  /** Whether `last` still blocks a new request. */
  inFlight(last: LastTrainingRequest | undefined, nowMs: number): boolean;
}

const DAY_MS = 86_400_000;

/**
 * Creates the policy: at most one request in flight per model (until the
 * trainer registers its version, or `requestTimeoutMs`), none within
 * `cooldownMs` of event time after the last, and only for the rules in
 * `retrainOn` — feature or prediction drift alone alerts but does not
 * retrain, as a shifted input need not hurt the model.
 */
export function createRetrainingPolicy(options: RetrainingPolicyOptions = {}): RetrainingPolicy {
  const { retrainOn = ['calibration_gap', 'auc_drop', 'dataset_drift'], cooldownMs = 7 * DAY_MS, requestTimeoutMs = 6 * 3_600_000, scheduleIntervalMs = 0 } = options;
  for (const [name, value] of Object.entries({ cooldownMs, requestTimeoutMs, scheduleIntervalMs })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidOptionsError(name, `must be a whole number of ms ≥ 0, got ${value}`);
  }
  const retrainRules = new Set(retrainOn);
  const inFlight = (last: LastTrainingRequest | undefined, nowMs: number) => last !== undefined && !last.completed && nowMs - last.requestedAtMs < requestTimeoutMs;
  return {
    inFlight,
    afterReport(report, last, nowMs) {
      const rules = report.reasons.map((reason) => reason.rule as AlarmRule).filter((rule) => retrainRules.has(rule));
      if (rules.length === 0) return { action: 'skip', why: 'no_rule' };
      if (inFlight(last, nowMs)) return { action: 'skip', why: 'in_flight' };
      const windowEndMs = Number(report.window?.endTime?.seconds ?? 0n) * 1000;
      if (last !== undefined && windowEndMs - last.eventTimeMs < cooldownMs) return { action: 'skip', why: 'cooldown' };
      return { action: 'request', trigger: 'drift', rules };
    },
    onSchedule(eventTimeMs, sinceMs, last, nowMs) {
      if (scheduleIntervalMs === 0 || eventTimeMs - (last?.eventTimeMs ?? sinceMs) < scheduleIntervalMs) return { action: 'skip', why: 'not_due' };
      if (inFlight(last, nowMs)) return { action: 'skip', why: 'in_flight' };
      return { action: 'request', trigger: 'schedule', rules: [] };
    },
  };
}
