import { createOnnxPredictor } from '@tributary/ml';
import { createInMemoryTrainerRegistry } from '@tributary/training/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES, MODEL, ORD_LAX, registryWithChampion, requestMaker, trainFlightModels, type TrainedModels } from './testing/served-models.fixture.js';
import { createServingPipeline, InvalidInputError, ModelNotFoundError, type ServingPipeline, type ServingRequest } from './index.js';

const FLIGHT = ORD_LAX;
const request = requestMaker('r');

describe('createServingPipeline()', { timeout: 60_000 }, () => {
  let models: TrainedModels;
  let pipeline: ServingPipeline;
  let primaryVersion: number;

  beforeAll(async () => {
    models = trainFlightModels();
    const { registry, primary } = await registryWithChampion(models);
    primaryVersion = primary;
    // A generous primary budget: these specs are about answers and batches, not about a loaded machine's pauses.
    pipeline = createServingPipeline({ registry, execution: { workers: 2 }, resilience: { primaryBudgetMs: 2_000 } });
    await pipeline.start();
  });

  afterAll(async () => {
    await pipeline.close();
  });

  it('answers a flight from the champion, exactly as ONNX Runtime scores the same row', async () => {
    const answer = await pipeline.predict(request({ flight: FLIGHT, features: { 'origin.out_late_share_1h': 0.8 } }));
    expect(answer).toMatchObject({ modelName: MODEL, modelVersion: primaryVersion, alias: 'champion', tier: 'primary', cached: false });
    // Without an online store the airport and route features take their defaults, and say so.
    expect(answer.defaultedFeatures).toContain('origin.departures_1h');
    expect(answer.defaultedFeatures).not.toContain('origin.out_late_share_1h');
    expect(answer.defaultedFeatures).not.toContain('distance_miles');

    const row = new Float32Array(FEATURE_NAMES.length).fill(Number.NaN);
    const set = (name: string, value: number) => (row[FEATURE_NAMES.indexOf(name)] = value);
    set('origin.out_late_share_1h', 0.8);
    set('distance_miles', 1744);
    set('hour_of_day', 14);
    set('day_of_week', new Date(FLIGHT.departureTimeMs).getUTCDay());
    set('origin_code', Number.parseInt('ORD', 36));
    set('destination_code', Number.parseInt('LAX', 36));
    const reference = await createOnnxPredictor(models.gbdt);
    const [expected] = await reference.predictProba({ values: row, rowCount: 1 });
    await reference.close();
    expect(Math.abs(answer.probability - (expected as number))).toBeLessThanOrEqual(1e-6);
    expect(answer.prediction).toBe(answer.probability >= 0.5 ? 1 : 0);
  });

  it('serves a whole vector, NaN meaning missing', async () => {
    const vector = new Float32Array(FEATURE_NAMES.length).fill(Number.NaN);
    const answer = await pipeline.predict(request({ vector }));
    expect(answer.tier).toBe('primary');
    expect(answer.defaultedFeatures).toEqual(FEATURE_NAMES);
  });

  it('refuses bad input with a message that says what to fix, and keeps serving', async () => {
    const cases: [Partial<ServingRequest>, RegExp][] = [
      [{ vector: new Float32Array(3) }, /reads 33 features .* the vector has 3/],
      [{ vector: new Float32Array(FEATURE_NAMES.length).fill(Infinity) }, /value 0 is Infinity/],
      [{ features: { 'origin.out_late_share_1h': Number.NaN } }, /origin.out_late_share_1h is NaN; give a finite number/],
      [{ features: { nonsense: 1 } }, /unknown feature nonsense; the model reads/],
      [{ features: { 'distance_miles': '12' as unknown as number } }, /must be a number, got string/],
      [{ categorical: { origin_code: 'not a code' } }, /origin_code: "not a code" is not a code/],
      [{ categorical: { distance_miles: 'ORD' } }, /distance_miles is numeric/],
      [{ features: { origin_code: 1.5 } }, /holds category codes/],
      [{ flight: { ...FLIGHT, origin: 'ord' } }, /origin must be an upper-case airport code/],
      [{ flight: FLIGHT, vector: new Float32Array(FEATURE_NAMES.length) }, /not both/],
      [{}, /give a flight, features by name, or a whole feature vector/],
    ];
    for (const [fields, message] of cases) {
      const error = await pipeline.predict(request(fields)).catch((e: unknown) => e);
      expect(error, JSON.stringify(fields)).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(pipeline.predict(request({ model: 'nope', flight: FLIGHT }))).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(pipeline.predict(request({ alias: 'challenger', flight: FLIGHT }))).rejects.toThrow(/has no alias challenger served/);
    expect((await pipeline.predict(request({ flight: FLIGHT }))).tier).toBe('primary');
  });

  it('answers many requests independently and runs them in shared batches', async () => {
    const before = pipeline.models()[0]?.versions.find((v) => v.version === primaryVersion)?.statistics;
    const requests = Array.from({ length: 200 }, (_, i) =>
      i === 7 ? request({ features: { nonsense: 1 } }) : request({ flight: { ...FLIGHT, distanceMiles: 100 + i } }),
    );
    const answers = await pipeline.predictMany(requests);
    expect(answers[7]).toBeInstanceOf(InvalidInputError);
    expect(answers.filter((a) => !(a instanceof Error) && a.tier === 'primary')).toHaveLength(199);
    const after = pipeline.models()[0]?.versions.find((v) => v.version === primaryVersion)?.statistics;
    const rows = (after?.inferenceCount ?? 0) - (before?.inferenceCount ?? 0);
    const batches = (after?.executionCount ?? 0) - (before?.executionCount ?? 0);
    expect(rows).toBe(199);
    expect(batches).toBeLessThan(20);
  });

  it('reports the loaded versions with their features, aliases and role', () => {
    const [model] = pipeline.models();
    expect(model?.name).toBe(MODEL);
    const primary = model?.versions.find((v) => v.version === primaryVersion);
    expect(primary).toMatchObject({ aliases: ['champion'], role: 'primary', ready: true, modelType: 'gbdt' });
    expect(primary?.features.map((f) => f.name)).toEqual(FEATURE_NAMES);
    expect(primary?.features.find((f) => f.name === 'origin_code')?.categorical).toBe(true);
    expect(model?.versions.find((v) => v.version !== primaryVersion)).toMatchObject({ role: 'fallback', modelType: 'logistic-regression' });
    expect(pipeline.ready()).toBe(true);
  });
});

describe('ready()', { timeout: 60_000 }, () => {
  it('is true on a platform whose registry has no champion yet, and a prediction says there is none', async () => {
    const pipeline = createServingPipeline({ registry: createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] }) });
    await pipeline.start();
    try {
      expect(pipeline.ready()).toBe(true);
      const refused = await pipeline.predict(request({ flight: FLIGHT })).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ModelNotFoundError);
      expect((refused as Error).message).toMatch(/has no alias champion served/);
    } finally {
      await pipeline.close();
    }
  });

  it('is false while the registry was never reached', async () => {
    const unreachable = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
    const pipeline = createServingPipeline({
      registry: { ...unreachable, getByAlias: () => Promise.reject(new Error('registry unreachable')) },
      pollIntervalMs: 100,
    });
    await pipeline.start();
    try {
      expect(pipeline.ready()).toBe(false);
    } finally {
      await pipeline.close();
    }
  });
});
