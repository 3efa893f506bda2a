import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChaosSuite, type ChaosSuiteResult } from './chaos-suite.js';
import { selectScenarios } from './scenarios.js';

/**
 * The bounded CI form of `npm run chaos`: a four-hour slice, two real faults,
 * two instances of each consuming service with one killed (the group
 * rebalances, partitions move with their state), and the sabotage that must
 * be caught, on a private stack of its own (free ports, its own home) — the
 * shared servers are never touched.
 */
describe('runChaosSuite()', () => {
  let suite: ChaosSuiteResult;
  const lines: string[] = [];

  beforeAll(async () => {
    suite = await runChaosSuite({
      scenarios: selectScenarios(['kill-ingestion', 'kill-feature-pipeline', 'scale-out-kill', 'sabotage-commit-before-write']),
      slice: { from: '2001-01-02T06:00', to: '2001-01-02T10:00' },
      seed: 16,
      eventsPerSecond: 500,
      log: (line) => lines.push(line),
    });
  }, 600_000);

  afterAll(() => {
    // The verdicts and counts, for whoever reads the CI log.
    console.log(lines.join('\n'));
  });

  const resultOf = (scenario: string) => {
    const result = suite.results.find((r) => r.scenario === scenario);
    if (!result) throw new Error(`${scenario} did not finish: ${suite.failures.find((f) => f.scenario === scenario)?.error ?? 'not run'}`);
    return result;
  };

  it.each(['kill-ingestion', 'kill-feature-pipeline', 'scale-out-kill'])('keeps every invariant through %s', (scenario) => {
    const result = resultOf(scenario);
    expect(result.raw.rowsFinal).toBeGreaterThan(0);
    expect(result.features?.offline['airport']?.referenceRows).toBeGreaterThan(0);
    expect(result.violations).toEqual([]);
  });

  it('fails when a consumer commits records it never wrote', () => {
    const result = resultOf('sabotage-commit-before-write');
    expect(suite.passed).toBe(false);
    const offline = Object.values(result.features?.offline ?? {});
    expect(offline.reduce((sum, d) => sum + d.missing + d.lower + d.mixed, 0)).toBeGreaterThan(0);
    expect(result.violations.some((violation) => violation.startsWith('offline '))).toBe(true);
  });
});
