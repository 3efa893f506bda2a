import type { InMemoryTrainerRegistry } from '@tributary/training/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORD_LAX, moveAlias, registerPair, registryWithChampion, requestMaker, trainFlightModels, type TrainedModels } from './testing/served-models.fixture.js';
import { createServingPipeline, OverloadedError, type ServingPipeline } from './index.js';

const FLIGHT = ORD_LAX;
const request = requestMaker('life', { flight: FLIGHT });
let sequence = 0;

const until = async (condition: () => boolean, timeoutMs = 30_000) => {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('model lifecycle', { timeout: 120_000 }, () => {
  let models: TrainedModels;
  let registry: InMemoryTrainerRegistry;
  let registryDown = false;
  let pipeline: ServingPipeline;
  let first: { primary: number; fallback: number };
  let second: { primary: number; fallback: number };

  beforeAll(async () => {
    models = trainFlightModels();
    const seeded = await registryWithChampion(models);
    registry = seeded.registry;
    first = seeded;
    second = await registerPair(registry, trainFlightModels({ seed: 11, rounds: 10 }));
    const outage = () => {
      if (registryDown) throw new Error('registry unreachable');
    };
    pipeline = createServingPipeline({
      registry: {
        ...registry,
        getByAlias: async (model, alias) => (outage(), registry.getByAlias(model, alias)),
        downloadArtifact: async (model, version) => (outage(), registry.downloadArtifact(model, version)),
      },
      pollIntervalMs: 100,
      drainTimeoutMs: 2_000,
      routing: { canaryShare: 0.5 },
      resilience: { primaryBudgetMs: 1_000 },
    });
    await pipeline.start();
  });

  afterAll(() => pipeline.close());

  it('moves champion under load with zero failed requests, and drains the old version', async () => {
    const versions = new Set<number>();
    const errors: unknown[] = [];
    let running = true;
    const client = async () => {
      while (running) {
        try {
          const answer = await pipeline.predict(request({ flight: { ...FLIGHT, distanceMiles: 100 + (++sequence % 500) } }));
          // A fallback answer (a pause of a loaded machine) is an answer; only the primary's say which version serves.
          if (answer.tier === 'primary') versions.add(answer.modelVersion);
        } catch (error) {
          errors.push(error);
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await until(() => versions.has(first.primary));
    await moveAlias(registry, 'champion', second.primary);
    await until(() => versions.has(second.primary));
    await new Promise((resolve) => setTimeout(resolve, 200));
    running = false;
    await Promise.all(clients);
    expect(errors).toEqual([]);
    expect([...versions].sort()).toEqual([first.primary, second.primary].sort());
    await until(() => !pipeline.models()[0]?.versions.some((v) => v.version === first.primary));
    expect(pipeline.models()[0]?.versions.map((v) => v.version).sort()).toEqual([second.fallback, second.primary].sort());
  });

  it('routes a sticky canary share of champion traffic to challenger', async () => {
    await moveAlias(registry, 'challenger', first.primary);
    await until(() => pipeline.models()[0]?.versions.some((v) => v.aliases.includes('challenger')) ?? false);
    const aliasOf = async (entityKey: string) => (await pipeline.predict(request({ entityKey }))).alias;
    const aliases = new Set<string>();
    for (let key = 0; key < 40; key++) {
      const alias = await aliasOf(`entity-${key}`);
      aliases.add(alias);
      for (let again = 0; again < 3; again++) expect(await aliasOf(`entity-${key}`)).toBe(alias);
    }
    expect([...aliases].sort()).toEqual(['challenger', 'champion']);
    // An explicit alias or version is never re-routed.
    expect((await pipeline.predict(request({ alias: 'champion', version: second.fallback }))).modelVersion).toBe(second.fallback);
  });

  it('keeps serving the loaded versions while the registry is down', async () => {
    registryDown = true;
    await new Promise((resolve) => setTimeout(resolve, 350)); // several failed polls
    const answer = await pipeline.predict(request());
    expect(answer.tier).toBe('primary');
    expect(pipeline.ready()).toBe(true);
    registryDown = false;
  });

  it('sheds a burst beyond the queue at once instead of letting it wait', async () => {
    const burst = Array.from({ length: 3_000 }, (_, i) => request({ entityKey: 'pinned', flight: { ...FLIGHT, distanceMiles: i } }));
    const answers = await pipeline.predictMany(burst);
    const shed = answers.filter((a) => a instanceof OverloadedError).length;
    const served = answers.filter((a) => !(a instanceof Error)).length;
    expect(shed).toBeGreaterThan(0);
    expect(shed + served).toBe(burst.length);
    expect((answers.find((a) => a instanceof OverloadedError) as Error).message).toMatch(/request shed, try again later/);
  });
});
