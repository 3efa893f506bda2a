import { InvalidArgumentError } from 'commander';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How the drift monitor watches the served predictions during the demo. */
export interface DemoMonitorSettings {
  /** Length of each event-time window, ms. */
  readonly windowMs: number;
  /** How far behind the newest flight event a window's end must be before it is reported, ms. */
  readonly allowedLatenessMs: number;
  /** Event time between two training requests of the monitor, ms. */
  readonly cooldownMs: number;
  /** Event time a requested training window spans, ending where the alarming window ends, ms. */
  readonly trainingWindowMs: number;
}

/**
 * What the demo replays and how: a sample of the flights (every `every`-th
 * flight of the file) between `fromMs` and `untilMs`, in event time. The
 * events before `trainUntilMs` are history: the first model trains on them.
 * From there each departing flight is asked of the inference service before
 * its slice of events (`sliceMs` of event time) is replayed.
 */
export interface DemoPlan {
  readonly name: 'quick' | 'full';
  readonly fromMs: number;
  readonly trainUntilMs: number;
  readonly untilMs: number;
  readonly every: number;
  readonly sliceMs: number;
  readonly monitor: DemoMonitorSettings;
}

/**
 * The default: every 8th flight of 7–23 May 2001. The first model trains on
 * 7–20 May (15.4 % of these flights ≥ 15 min late), then serves 21–23 May,
 * the first days of a stormy week (28.3, 28.0 and 22.9 % late); daily windows
 * hold about 2,000 outcomes each, and the 7-day cooldown allows one
 * retraining in the run.
 */
export const QUICK_PLAN: DemoPlan = {
  name: 'quick',
  fromMs: Date.UTC(2001, 4, 7),
  trainUntilMs: Date.UTC(2001, 4, 21),
  untilMs: Date.UTC(2001, 4, 24),
  every: 8,
  sliceMs: 15 * 60_000,
  monitor: { windowMs: DAY_MS, allowedLatenessMs: 6 * HOUR_MS, cooldownMs: 7 * DAY_MS, trainingWindowMs: 14 * DAY_MS },
};

/**
 * `--full`: every 4th flight of the six months (750,000 flights); the model
 * trains on January and serves February to June, watched week by week, with
 * a retraining at most every 14 days on the 28 days before the alarm.
 */
export const FULL_PLAN: DemoPlan = {
  name: 'full',
  fromMs: Date.UTC(2001, 0, 1),
  trainUntilMs: Date.UTC(2001, 1, 1),
  untilMs: Date.UTC(2001, 6, 1),
  every: 4,
  sliceMs: 15 * 60_000,
  monitor: { windowMs: 7 * DAY_MS, allowedLatenessMs: 6 * HOUR_MS, cooldownMs: 14 * DAY_MS, trainingWindowMs: 28 * DAY_MS },
};

/** What the command line may change in a plan. */
export interface DemoPlanOverrides {
  readonly full?: boolean;
  readonly every?: number;
  readonly fromMs?: number;
  readonly trainUntilMs?: number;
  readonly untilMs?: number;
}

/** The plan of `--full` or the quick default, with the command line's overrides; throws InvalidArgumentError on an impossible order of times. */
export function demoPlan(overrides: DemoPlanOverrides = {}): DemoPlan {
  const base = overrides.full === true ? FULL_PLAN : QUICK_PLAN;
  const plan: DemoPlan = {
    ...base,
    every: overrides.every ?? base.every,
    fromMs: overrides.fromMs ?? base.fromMs,
    trainUntilMs: overrides.trainUntilMs ?? base.trainUntilMs,
    untilMs: overrides.untilMs ?? base.untilMs,
  };
  if (!(plan.fromMs < plan.trainUntilMs && plan.trainUntilMs < plan.untilMs)) {
    throw new InvalidArgumentError('expected --from < --train-until < --until');
  }
  return plan;
}

/**
 * The environment the demo gives the services: the drift monitor's windows,
 * lateness, cooldown and training window from the plan, and the registry's
 * permission for the trainer's promotion policy to move `champion` of the
 * demo's model without a human approval — the loop closes by itself.
 */
export function demoServiceEnv(plan: DemoPlan, modelName: string): Record<string, string> {
  const { monitor } = plan;
  return {
    REGISTRY_APPROVAL_EXEMPT_MODELS: modelName,
    // Tumbling windows: each flight is judged once.
    DRIFT_WINDOW_SIZE_MS: String(monitor.windowMs),
    DRIFT_WINDOW_STEP_MS: String(monitor.windowMs),
    DRIFT_ALLOWED_LATENESS_MS: String(monitor.allowedLatenessMs),
    DRIFT_COOLDOWN_MS: String(monitor.cooldownMs),
    DRIFT_TRAINING_WINDOW_MS: String(monitor.trainingWindowMs),
    // The replay runs days of event time a minute: the monitor looks every second instead of every five.
    DRIFT_EVALUATE_INTERVAL_MS: '1000',
  };
}

/**
 * The event time the demo's HTML report charts: every window of the
 * monitor that touches the served part of the plan. Windows are aligned to the
 * epoch, so a weekly window may start before the first served departure.
 */
export function demoReportRange(plan: DemoPlan): { readonly fromMs: number; readonly toMs: number } {
  const { windowMs } = plan.monitor;
  return { fromMs: Math.floor(plan.trainUntilMs / windowMs) * windowMs, toMs: Math.ceil(plan.untilMs / windowMs) * windowMs };
}
