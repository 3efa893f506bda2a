import { describe, expect, it } from 'vitest';
import { createServingTally, percentile, type ServedAnswer } from './demo-serving-tally.js';

const answer = (i: number, version: string, probability: number, latencyMs: number, tier = 'primary'): ServedAnswer => ({
  flightKey: `f${i}`,
  eventTimeMs: 1000 + i,
  version,
  tier,
  probability,
  latencyMs,
  defaulted: i % 2 === 0 ? ['origin.departures_1h'] : [],
});

describe('percentile()', () => {
  it('takes the nearest rank of ascending samples, and NaN of none', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('createServingTally()', () => {
  it('counts answers per version and tier, tells when a version answers first, and judges each answer once its flight arrives', () => {
    const tally = createServingTally();
    expect(tally.answer(answer(0, 'v2 champion', 0.9, 4))).toBe(true);
    expect(tally.answer(answer(1, 'v2 champion', 0.1, 2))).toBe(false);
    expect(tally.answer(answer(2, 'v2 champion', 0.2, 3, 'fallback model'))).toBe(false);
    expect(tally.answer(answer(3, 'v4 champion', 0.7, 1))).toBe(true);
    tally.failure('DeadlineExceeded');
    tally.outcome('f0', true);
    tally.outcome('f1', false);
    tally.outcome('f1', true); // a second outcome of one flight changes nothing
    tally.outcome('f9', true); // a flight nobody asked about
    tally.outcome('f3', true);

    const summary = tally.summary();
    expect(summary).toMatchObject({ asked: 5, answered: 4, p50Ms: 2, p99Ms: 4, withDefaults: 2 });
    expect(summary.failures).toEqual(new Map([['DeadlineExceeded', 1]]));
    expect(summary.tiers).toEqual(new Map([['primary', 3], ['fallback model', 1]]));
    expect(summary.defaultedFeatures).toEqual(new Map([['origin.departures_1h', 2]]));
    const [v2, v4] = summary.versions;
    expect(v2).toMatchObject({ version: 'v2 champion', answers: 3, p50Ms: 3, p99Ms: 4, firstEventTimeMs: 1000, lastEventTimeMs: 1002, judged: 2, auc: 1, lateShare: 0.5 });
    expect(v2?.meanProbability).toBeCloseTo(0.5, 12);
    // One class only among v4's judged answers: no AUC.
    expect(v4).toMatchObject({ version: 'v4 champion', answers: 1, judged: 1, lateShare: 1, meanProbability: 0.7 });
    expect(v4?.auc).toBeNaN();
  });

  it('reports no latency and no versions before any answer', () => {
    const summary = createServingTally().summary();
    expect(summary).toMatchObject({ asked: 0, answered: 0, versions: [] });
    expect(summary.p99Ms).toBeNaN();
  });
});
