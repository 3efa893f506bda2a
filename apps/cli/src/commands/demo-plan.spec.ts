import { describe, expect, it } from 'vitest';
import { FULL_PLAN, QUICK_PLAN, demoPlan, demoReportRange, demoServiceEnv } from './demo-plan.js';

describe('demoPlan()', () => {
  it('is the quick plan by default and the full one with full', () => {
    expect(demoPlan()).toEqual(QUICK_PLAN);
    expect(demoPlan({ full: true })).toEqual(FULL_PLAN);
  });

  it('takes the command line\'s sample and times over the mode\'s', () => {
    const plan = demoPlan({ every: 50, fromMs: Date.UTC(2001, 4, 10), untilMs: Date.UTC(2001, 4, 28) });
    expect(plan).toMatchObject({ name: 'quick', every: 50, fromMs: Date.UTC(2001, 4, 10), trainUntilMs: QUICK_PLAN.trainUntilMs, untilMs: Date.UTC(2001, 4, 28) });
  });

  it('refuses times out of order, saying which order it expects', () => {
    expect(() => demoPlan({ trainUntilMs: QUICK_PLAN.fromMs })).toThrow('expected --from < --train-until < --until');
    expect(() => demoPlan({ untilMs: QUICK_PLAN.trainUntilMs })).toThrow('expected --from < --train-until < --until');
  });
});

describe('demoServiceEnv()', () => {
  it('gives the drift monitor the plan\'s windows and lets the trainer\'s policy move the demo model\'s champion', () => {
    const env = demoServiceEnv(QUICK_PLAN, 'flight-delay');
    expect(env['REGISTRY_APPROVAL_EXEMPT_MODELS']).toBe('flight-delay');
    expect(env['DRIFT_WINDOW_SIZE_MS']).toBe(String(QUICK_PLAN.monitor.windowMs));
    expect(env['DRIFT_TRAINING_WINDOW_MS']).toBe(String(QUICK_PLAN.monitor.trainingWindowMs));
  });
});

describe('demoReportRange()', () => {
  it('spans the monitor’s windows that touch the served days, aligned as the monitor aligns them', () => {
    expect(demoReportRange(QUICK_PLAN)).toEqual({ fromMs: Date.UTC(2001, 4, 21), toMs: Date.UTC(2001, 4, 24) });
    // Weekly windows are aligned to the epoch, a Thursday: 1 February 2001 is one, the window holding 30 June ends on Thursday 5 July.
    expect(demoReportRange(FULL_PLAN)).toEqual({ fromMs: Date.UTC(2001, 1, 1), toMs: Date.UTC(2001, 6, 5) });
  });
});
