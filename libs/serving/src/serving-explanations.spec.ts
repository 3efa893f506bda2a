import { explainerFromOnnx, packRows } from '@tributary/ml';
import { createInMemoryTrainerRegistry } from '@tributary/training/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FEATURE_NAMES,
  ORD_LAX,
  moveAlias,
  registerVersion,
  registryWithChampion,
  requestMaker,
  syntheticFlights,
  trainFlightModels,
  type TrainedModels,
} from './testing/served-models.fixture.js';
import { createServingPipeline, type ServingAnswer, type ServingPipeline } from './index.js';
import { createFaultInjector } from './testing/index.js';

const make = requestMaker('explain');
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** A row like the training rows (numbers, category codes) with missing values, in the served feature order. */
const row = (() => {
  const { values } = packRows(syntheticFlights(50, 99).matrix);
  const width = FEATURE_NAMES.length;
  const r = Array.from({ length: 50 }, (_, i) => i).find((i) => values.subarray(i * width, (i + 1) * width).some(Number.isNaN)) as number;
  return values.slice(r * width, (r + 1) * width);
})();

/** Checks `base + Σ = margin` and that the margin is the answer's probability (to the float32 of the ONNX output). */
function expectAdditive(answer: ServingAnswer): void {
  const explanation = answer.explanation;
  expect(explanation, answer.explanationUnavailable).toBeDefined();
  if (!explanation) return;
  expect(explanation.contributions).toHaveLength(FEATURE_NAMES.length);
  expect(explanation.featureNames).toEqual(FEATURE_NAMES);
  const sum = explanation.contributions.reduce((s, c) => s + c, explanation.baseValue);
  expect(Math.abs(sum - explanation.margin)).toBeLessThanOrEqual(1e-9);
  expect(answer.probability).toBeGreaterThan(0.001);
  expect(answer.probability).toBeLessThan(0.999);
  expect(Math.abs(sigmoid(explanation.margin) - answer.probability)).toBeLessThanOrEqual(1e-6);
}

describe('explanations on request', { timeout: 60_000 }, () => {
  let models: TrainedModels;
  const faults = createFaultInjector();
  let pipeline: ServingPipeline;

  beforeAll(async () => {
    models = trainFlightModels();
    const { registry } = await registryWithChampion(models);
    pipeline = createServingPipeline({ registry, faults, resilience: { primaryBudgetMs: 2_000, fallbackBudgetMs: 2_000, volumeThreshold: 1_000 } });
    await pipeline.start();
  });

  afterAll(() => pipeline.close());

  it("gives the primary GBDT's exact TreeSHAP contributions, summing to the margin of the returned probability", async () => {
    const answer = await pipeline.predict(make({ vector: row.slice(), explain: true }));
    expect(answer.tier).toBe('primary');
    expect(answer.explanation?.method).toBe('tree_shap');
    expectAdditive(answer);
    // The values the TypeScript model's own explainer gives for the same row.
    const expected = explainerFromOnnx(models.gbdt).explain({ values: row, rowCount: 1 });
    expect(Array.from(answer.explanation?.contributions ?? [])).toEqual(Array.from(expected.contributions));
  });

  it('explains a flight whose features come from the request and defaults', async () => {
    const answer = await pipeline.predict(make({ flight: ORD_LAX, features: { 'origin.out_late_share_1h': 0.6 }, explain: true }));
    expectAdditive(answer);
    expect(answer.explanation?.contributions.some((c) => c !== 0)).toBe(true);
  });

  it('computes nothing and says nothing when the request does not ask', async () => {
    const answer = await pipeline.predict(make({ vector: row.slice() }));
    expect(answer.explanation).toBeUndefined();
    expect(answer.explanationUnavailable).toBeUndefined();
  });

  it('explains the fallback logistic regression with linear contributions when it answers', async () => {
    faults.primaryFails = true;
    try {
      const answer = await pipeline.predict(make({ vector: row.slice(), explain: true }));
      expect(answer.tier).toBe('fallback_model');
      expect(answer.explanation?.method).toBe('linear');
      expectAdditive(answer);
    } finally {
      faults.primaryFails = false;
    }
  });
});

describe('explanations asked of the rules and the default', { timeout: 60_000 }, () => {
  const faults = createFaultInjector();
  let pipeline: ServingPipeline;

  beforeAll(async () => {
    const registry = createInMemoryTrainerRegistry({ approvalExemptModels: ['flight-delay'] });
    await moveAlias(registry, 'champion', await registerVersion(registry, trainFlightModels({ rounds: 5 }).gbdt, 'gbdt'));
    pipeline = createServingPipeline({ registry, faults, resilience: { primaryBudgetMs: 20 }, defaultProbability: 0.21 });
    await pipeline.start();
    faults.primaryFails = true;
  });

  afterAll(() => pipeline.close());

  it('answer without contributions and say why', async () => {
    const ruled = await pipeline.predict(make({ features: { 'origin.out_late_share_1h': 0.9 }, explain: true }));
    const defaulted = await pipeline.predict(make({ flight: ORD_LAX, explain: true }));
    expect([ruled.tier, defaulted.tier]).toEqual(['rules', 'default']);
    for (const answer of [ruled, defaulted]) {
      expect(answer.explanation).toBeUndefined();
      expect(answer.explanationUnavailable).toMatch(/tier answered; only a model's answer has per-feature contributions/);
    }
  });
});
