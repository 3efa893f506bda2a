import { describe, expect, it } from 'vitest';
import { formatServingReport, type ServingReport } from './demo-serving.js';

const report: ServingReport = {
  asked: 2000,
  answered: 1998,
  failures: new Map([['DeadlineExceeded', 2]]),
  p50Ms: 1.234,
  p99Ms: 4.5,
  tiers: new Map([['primary', 1990], ['fallback model', 8]]),
  versions: new Map([['v3 champion', 1990], ['v4 champion', 8]]),
  withDefaults: 120,
  auc: 0.71234,
  lateShare: 0.2,
  primaryReady: true,
};

describe('formatServingReport()', () => {
  it('gives counts, latency, tiers, versions, defaults and the AUC of the served answers', () => {
    const text = formatServingReport(report, 4).join('\n');
    expect(text).toContain('answered 1,998 of 2,000 flights (4 gRPC clients); failed: DeadlineExceeded 2');
    expect(text).toContain('round trip p50 1.23 ms, p99 4.50 ms');
    expect(text).toContain('served by primary 1,990, fallback model 8; versions v3 champion 1,990, v4 champion 8');
    expect(text).toContain('120 answers had features with no online value');
    expect(text).toContain('20.0 % arrived ≥ 15 min late; AUC of the served probabilities 0.7123');
    expect(text).not.toContain('did not answer within the wait');
  });

  it('says when the primary model never answered and the AUC has no meaning', () => {
    const text = formatServingReport({ ...report, primaryReady: false, auc: Number.NaN, failures: new Map() }, 4).join('\n');
    expect(text).toContain('the primary model did not answer within the wait');
    expect(text).toContain('failed: none');
    expect(text).toContain('AUC of the served probabilities – (one class only)');
  });
});
