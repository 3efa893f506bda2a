import { Code, TributaryError } from '@tributary/errors';
import { createLogger, getMetricsRegistry } from '@tributary/observability';
import { describe, expect, it } from 'vitest';
import { createFallbackChain, FallbackExhaustedError, type FallbackTier } from './index.js';

const logger = createLogger({ name: 'fallback-spec', level: 'silent' });
const unavailable = (what: string) => new TributaryError(Code.Unavailable, `${what} unavailable`);

interface Input {
  readonly distanceKm: number;
}

function tiers(failing: ReadonlySet<string>): FallbackTier<Input, number>[] {
  const tier = (name: string, answer: (input: Input) => number): FallbackTier<Input, number> => ({
    tier: name,
    run: async (input) => {
      if (failing.has(name)) throw unavailable(name);
      return answer(input);
    },
  });
  return [
    tier('primary-model', (input) => input.distanceKm / 1000),
    tier('fallback-model', () => 0.3),
    tier('rules', (input) => (input.distanceKm > 2000 ? 0.4 : 0.2)),
    { tier: 'default', run: () => 0.2 },
  ];
}

describe('createFallbackChain()', () => {
  it('answers from the first tier when it works', async () => {
    const chain = createFallbackChain(tiers(new Set()), { name: 'spec-first', logger });
    await expect(chain.run({ distanceKm: 500 })).resolves.toEqual({ value: 0.5, tier: 'primary-model', failures: [] });
  });

  it('falls through failing tiers and says which tier served and why the others did not', async () => {
    const chain = createFallbackChain(tiers(new Set(['primary-model', 'fallback-model'])), { name: 'spec-through', logger });
    const result = await chain.run({ distanceKm: 2500 });
    expect(result).toMatchObject({ value: 0.4, tier: 'rules' });
    expect(result.failures.map(({ tier, error }) => [tier, (error as Error).message])).toEqual([
      ['primary-model', 'primary-model unavailable'],
      ['fallback-model', 'fallback-model unavailable'],
    ]);
  });

  it('rethrows a caller error without trying other tiers', async () => {
    let laterTierRan = false;
    const invalid = new TributaryError(Code.InvalidArgument, 'distanceKm missing');
    const chain = createFallbackChain<Input, number>(
      [
        { tier: 'primary-model', run: () => Promise.reject(invalid) },
        { tier: 'default', run: () => ((laterTierRan = true), 0.2) },
      ],
      { logger },
    );
    await expect(chain.run({ distanceKm: Number.NaN })).rejects.toBe(invalid);
    expect(laterTierRan).toBe(false);
  });

  it('throws FallbackExhaustedError with every failure when no tier answers', async () => {
    const chain = createFallbackChain(tiers(new Set(['primary-model', 'fallback-model', 'rules'])).slice(0, 3), { name: 'spec-exhausted', logger });
    const error = await chain.run({ distanceKm: 1 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FallbackExhaustedError);
    expect(error).toMatchObject({ code: Code.Unavailable, retryable: true, chain: 'spec-exhausted' });
    expect((error as FallbackExhaustedError).failures.map(({ tier }) => tier)).toEqual(['primary-model', 'fallback-model', 'rules']);
    expect((error as Error).message).toBe(
      'every tier of spec-exhausted failed (primary-model: primary-model unavailable; fallback-model: fallback-model unavailable; rules: rules unavailable)',
    );
  });

  it('counts answers by serving tier', async () => {
    const chain = createFallbackChain(tiers(new Set(['primary-model'])), { name: 'spec-metrics', logger });
    await chain.run({ distanceKm: 1 });
    await chain.run({ distanceKm: 1 });
    const values = (await getMetricsRegistry().getSingleMetric('tributary_fallback_served_total')?.get())?.values ?? [];
    expect(values.filter((value) => value.labels['chain'] === 'spec-metrics')).toEqual([
      { labels: { chain: 'spec-metrics', tier: 'fallback-model' }, value: 2 },
    ]);
  });

  it('refuses an empty chain', () => {
    expect(() => createFallbackChain([])).toThrow(RangeError);
  });
});
