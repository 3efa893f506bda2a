import { create } from '@bufbuild/protobuf';
import { PredictResponseSchema, ServingTier } from '@tributary/contracts';
import { departedEvent, type Flight } from '@tributary/flights';
import { describe, expect, it } from 'vitest';
import { formatServingSummary, servedAnswer } from './demo-serving.js';
import type { ServingSummary } from './demo-serving-tally.js';

const summary: ServingSummary = {
  asked: 2000,
  answered: 1998,
  failures: new Map([['DeadlineExceeded', 2]]),
  p50Ms: 1.234,
  p99Ms: 4.5,
  tiers: new Map([['primary', 1990], ['fallback model', 8]]),
  withDefaults: 120,
  defaultedFeatures: new Map([['origin.departures_1h', 100], ['route.delay_mean_7d', 30], ['destination.in_late_share_1h', 20], ['origin.out_late_share_1h', 5]]),
  versions: [
    {
      version: 'v2 champion',
      answers: 1200,
      p50Ms: 1.2,
      p99Ms: 4.4,
      tiers: new Map([['primary', 1192], ['fallback model', 8]]),
      firstEventTimeMs: 0,
      lastEventTimeMs: 1,
      judged: 1100,
      auc: 0.71234,
      meanProbability: 0.14,
      lateShare: 0.2,
    },
    { version: 'v4 champion', answers: 798, p50Ms: 1.3, p99Ms: 4.6, tiers: new Map([['primary', 798]]), firstEventTimeMs: 2, lastEventTimeMs: 3, judged: 0, auc: Number.NaN, meanProbability: Number.NaN, lateShare: Number.NaN },
  ],
};

describe('formatServingSummary()', () => {
  it('gives counts, latency, tiers, defaults, then each version with its latency and how good its answers were', () => {
    const text = formatServingSummary(summary, 4).join('\n');
    expect(text).toContain('answered 1,998 of 2,000 departing flights (4 gRPC clients, Predict with the flight\'s event id); failed: DeadlineExceeded 2');
    expect(text).toContain('round trip p50 1.23 ms, p99 4.50 ms (client side, features read online per flight); served by primary 1,990, fallback model 8');
    expect(text).toContain('120 answers had features with no online value (the model\'s declared defaults were used), most often origin.departures_1h 100, route.delay_mean_7d 30, destination.in_late_share_1h 20, …');
    expect(text).toMatch(/v2 champion +1,200 answers {2}p50 1\.20 ms {2}p99 4\.40 ms {2}primary 1,192, fallback model 8; 1,100 outcomes: AUC 0\.7123, predicted 14\.0 % vs observed 20\.0 % late/);
    expect(text).toMatch(/v4 champion +798 answers .*; 0 outcomes: AUC –, predicted – % vs observed – % late/);
  });
});

describe('servedAnswer()', () => {
  const flight = departedEvent({ flightKey: '20010515T0800-ORD-LAX-1', origin: 'ORD', destination: 'LAX', distanceMiles: 1744, departureTimeMs: Date.UTC(2001, 4, 15, 8), arrivalDelayMinutes: 3 } as Flight);

  it('names the version and alias of a primary answer', () => {
    const response = create(PredictResponseSchema, { modelVersion: 4, alias: 'champion', servedBy: ServingTier.PRIMARY, probability: 0.3 });
    expect(servedAnswer(flight, response, 2.5)).toMatchObject({ version: 'v4 champion', tier: 'primary' });
  });

  it("names a fallback model's answer as the alias's fallback, not as the alias", () => {
    const response = create(PredictResponseSchema, { modelVersion: 3, alias: 'champion', servedBy: ServingTier.FALLBACK_MODEL, probability: 0.3, defaultedFeatures: ['origin.departures_1h'] });
    expect(servedAnswer(flight, response, 2.5)).toEqual({
      flightKey: flight.flightKey,
      eventTimeMs: Date.UTC(2001, 4, 15, 8),
      version: "v3 (champion's fallback)",
      tier: 'fallback model',
      probability: 0.3,
      latencyMs: 2.5,
      defaulted: ['origin.departures_1h'],
    });
  });

  it('says no model answered when the rules or the default did', () => {
    const response = create(PredictResponseSchema, { modelVersion: 0, alias: 'champion', servedBy: ServingTier.RULES, probability: 0.2 });
    expect(servedAnswer(flight, response, 1)).toMatchObject({ version: 'no model (champion)', tier: 'rules', defaulted: [] });
  });
});
