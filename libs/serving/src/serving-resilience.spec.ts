import { getMetricsRegistry } from '@tributary/observability';
import { createInMemoryTrainerRegistry } from '@tributary/training/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEADLINE_SLACK_MS, MODEL, ORD_LAX, moveAlias, registerVersion, registryWithChampion, requestMaker, trainFlightModels, type TrainedModels } from './testing/served-models.fixture.js';
import { createServingPipeline, type ServingPipeline, type ServingRequest } from './index.js';
import { createFaultInjector } from './testing/index.js';

const make = requestMaker('res');
let sequence = 0;
/** A request due in `deadlineMs`, for a flight of its own distance (no two share a cache entry). */
const request = (deadlineMs: number, fields: Partial<ServingRequest> = {}) => make({ flight: { ...ORD_LAX, distanceMiles: 100 + ++sequence }, ...fields }, deadlineMs);

async function breakerState(name: string): Promise<number | undefined> {
  const values = (await getMetricsRegistry().getSingleMetric('tributary_breaker_state')?.get())?.values ?? [];
  return values.find((v) => v.labels['breaker'] === name)?.value;
}

/** Predicts and checks the answer came before the request's deadline. */
async function predictInTime(pipeline: ServingPipeline, r: ServingRequest) {
  const answer = await pipeline.predict(r);
  expect(Date.now(), `answered ${Date.now() - r.deadlineAtMs} ms past the deadline`).toBeLessThanOrEqual(r.deadlineAtMs + DEADLINE_SLACK_MS);
  return answer;
}

describe('the fallback chain', { timeout: 60_000 }, () => {
  let models: TrainedModels;
  const faults = createFaultInjector();
  let pipeline: ServingPipeline;
  let fallbackVersion: number;

  beforeAll(async () => {
    models = trainFlightModels();
    const { registry, fallback } = await registryWithChampion(models);
    fallbackVersion = fallback;
    pipeline = createServingPipeline({
      registry,
      faults,
      resilience: { primaryBudgetMs: 30, fallbackBudgetMs: 200, volumeThreshold: 5, resetTimeoutMs: 400 },
    });
    await pipeline.start();
  });

  afterAll(() => pipeline.close());

  it('asks the fallback model when the primary is slower than its budget, within the deadline', async () => {
    faults.primaryDelayMs = 1_000;
    const answer = await predictInTime(pipeline, request(150));
    faults.primaryDelayMs = 0;
    expect(answer).toMatchObject({ tier: 'fallback_model', modelVersion: fallbackVersion, alias: 'champion' });
  });

  it('opens the primary breaker on failures, serves from the fallback meanwhile, and closes it after a half-open probe', async () => {
    faults.primaryFails = true;
    for (let i = 0; i < 12; i++) expect((await predictInTime(pipeline, request(500))).tier).toBe('fallback_model');
    expect(await breakerState(`serving-primary:${MODEL}`)).toBe(2);
    faults.primaryFails = false;
    // Open: the primary is not even tried.
    expect((await predictInTime(pipeline, request(500))).tier).toBe('fallback_model');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const probe = await predictInTime(pipeline, request(500));
    expect(probe.tier).toBe('primary');
    expect(await breakerState(`serving-primary:${MODEL}`)).toBe(0);
    expect((await predictInTime(pipeline, request(500))).tier).toBe('primary');
  });
});

describe('the rules and default tiers', { timeout: 60_000 }, () => {
  const faults = createFaultInjector();
  let pipeline: ServingPipeline;

  beforeAll(async () => {
    // A primary registered without a fallback model: when it cannot answer, the rules and then the default do.
    const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
    await moveAlias(registry, 'champion', await registerVersion(registry, trainFlightModels({ rounds: 5 }).gbdt, 'gbdt'));
    pipeline = createServingPipeline({ registry, faults, resilience: { primaryBudgetMs: 20 }, defaultProbability: 0.21 });
    await pipeline.start();
    faults.primaryDelayMs = 10_000;
  });

  afterAll(() => pipeline.close());

  it('answers from the rules on the origin late share, never past the deadline', async () => {
    const late = await predictInTime(pipeline, request(200, { features: { 'origin.out_late_share_1h': 0.7 } }));
    expect(late).toMatchObject({ tier: 'rules', probability: 0.6, prediction: 1, modelVersion: 0 });
    const calm = await predictInTime(pipeline, request(200, { features: { 'origin.out_late_share_1h': 0.1, 'origin.out_late_share_24h': 0.1 } }));
    expect(calm).toMatchObject({ tier: 'rules', probability: 0.15, prediction: 0 });
  });

  it('answers the default when the rules have no value to judge', async () => {
    const answer = await predictInTime(pipeline, request(200));
    expect(answer).toMatchObject({ tier: 'default', probability: 0.21, prediction: 0, modelVersion: 0 });
  });
});
