import { GRPCInferenceService, InferenceService, ServingTier } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient, type GrpcChannel } from '@tributary/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES, MODEL, randomFlightRows } from './testing/flight-models.fixture.js';
import { startTestInference, type TestInference } from './testing/start-test-inference.fixture.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);
/** Rows like the models' training rows, a few values missing (NaN; sent as 0 where JSON cannot say NaN). */
const rows = randomFlightRows(3, 21).values;
const width = FEATURE_NAMES.length;
const rowAt = (r: number) => Array.from(rows.subarray(r * width, (r + 1) * width));

/** base + Σ contributions = margin, and the margin is the returned probability's (to the float32 of the ONNX output). */
function expectAdditive(baseValue: number, contributions: readonly number[], margin: number, probability: number): void {
  expect(contributions).toHaveLength(width);
  expect(Math.abs(baseValue + sum(contributions) - margin)).toBeLessThanOrEqual(1e-9);
  expect(Math.abs(sigmoid(margin) - probability)).toBeLessThanOrEqual(1e-6);
}

describe('explanations from the inference service', { timeout: 120_000 }, () => {
  let service: TestInference;
  let channel: GrpcChannel;
  const postJson = (path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${service.restPort}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  beforeAll(async () => {
    service = await startTestInference();
    channel = createGrpcChannel({ address: `127.0.0.1:${service.grpcPort}` });
  });

  afterAll(async () => {
    channel?.close();
    await service?.lifecycle.shutdown();
  });

  it('answers gRPC Predict with TreeSHAP contributions only when asked, summing to the margin of the returned probability', async () => {
    const client = createGrpcClient(InferenceService, channel);
    const plain = await client.predict({ modelName: MODEL, featureVector: rowAt(0) });
    expect(plain.explanation).toBeUndefined();
    expect(plain.explanationUnavailable).toBe('');

    const answer = await client.predict({ modelName: MODEL, featureVector: rowAt(0), explain: true });
    expect(answer).toMatchObject({ servedBy: ServingTier.PRIMARY, modelVersion: service.models.primaryVersion, probability: plain.probability });
    const explanation = answer.explanation;
    expect(explanation?.method).toBe('tree_shap');
    expect(explanation?.contributions.map((c) => c.feature)).toEqual(FEATURE_NAMES);
    expectAdditive(explanation?.baseValue ?? Number.NaN, explanation?.contributions.map((c) => c.contribution) ?? [], explanation?.margin ?? Number.NaN, answer.probability);
  });

  it('explains every item of a PredictBatch that asks, and only those', async () => {
    const client = createGrpcClient(InferenceService, channel);
    const batch = await client.predictBatch({
      requests: [0, 1, 2].map((r) => ({ modelName: MODEL, featureVector: rowAt(r), explain: r !== 1 })),
    });
    expect(batch.responses.map((r) => r.explanation !== undefined)).toEqual([true, false, true]);
    for (const response of [batch.responses[0], batch.responses[2]]) {
      const e = response?.explanation;
      expectAdditive(e?.baseValue ?? Number.NaN, e?.contributions.map((c) => c.contribution) ?? [], e?.margin ?? Number.NaN, response?.probability ?? Number.NaN);
    }
  });

  it('answers POST /v1/predictions with explain: true, contributions by feature name', async () => {
    const response = await postJson('/v1/predictions', { model_id: MODEL, features: { 'origin.out_late_share_1h': 0.7, distance_miles: 900, origin_code: 'ORD' }, explain: true });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { probability: number; explanation: { method: string; base_value: number; margin: number; contributions: Record<string, number> } };
    expect(body.explanation.method).toBe('tree_shap');
    expect(Object.keys(body.explanation.contributions)).toEqual(FEATURE_NAMES);
    expectAdditive(body.explanation.base_value, Object.values(body.explanation.contributions), body.explanation.margin, body.probability);
    expect((await postJson('/v1/predictions', { model_id: MODEL, features: { distance_miles: 900 }, explain: 'yes' })).status).toBe(400);
  });

  it('explains the fallback logistic regression with linear contributions when it is the version asked for', async () => {
    const response = await postJson('/v1/predictions', { model_id: MODEL, version: service.models.fallbackVersion, features: { distance_miles: 900 }, explain: true });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { model_version: string; probability: number; explanation: { method: string; base_value: number; margin: number; contributions: Record<string, number> } };
    expect(body.model_version).toBe(String(service.models.fallbackVersion));
    expect(body.explanation.method).toBe('linear');
    expectAdditive(body.explanation.base_value, Object.values(body.explanation.contributions), body.explanation.margin, body.probability);
  });

  it('returns KServe v2 contributions FP64 [rows, features + 1] over REST and gRPC when the request names the output', async () => {
    const data = Array.from(rows, (v) => (Number.isNaN(v) ? 0 : v));
    const response = await postJson(`/v2/models/${MODEL}/infer`, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [3, width], data }],
      outputs: [{ name: 'probabilities' }, { name: 'contributions' }],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };
    const [probabilities, contributions] = body.outputs;
    expect(contributions).toMatchObject({ name: 'contributions', datatype: 'FP64', shape: [3, width + 1] });
    for (let r = 0; r < 3; r++) {
      const rowValues = contributions?.data.slice(r * (width + 1), (r + 1) * (width + 1)) ?? [];
      // The last column is the base value: each row sums to the margin of its probability.
      expect(Math.abs(sigmoid(sum(rowValues)) - (probabilities?.data[r * 2 + 1] ?? Number.NaN))).toBeLessThanOrEqual(1e-6);
    }

    const kserve = createGrpcClient(GRPCInferenceService, channel);
    const grpc = await kserve.modelInfer({
      modelName: MODEL,
      inputs: [{ name: 'features', datatype: 'FP32', shape: [3n, BigInt(width)], contents: { fp32Contents: data } }],
      outputs: [{ name: 'contributions' }],
    });
    expect(grpc.outputs[0]).toMatchObject({ name: 'contributions', datatype: 'FP64', shape: [3n, BigInt(width + 1)] });
    expect(grpc.outputs[0]?.contents?.fp64Contents).toEqual(contributions?.data);
    // Not named, not computed.
    const plain = await kserve.modelInfer({ modelName: MODEL, inputs: [{ name: 'features', datatype: 'FP32', shape: [1n, BigInt(width)], contents: { fp32Contents: data.slice(0, width) } }] });
    expect(plain.outputs.map((o) => o.name)).toEqual(['label', 'probabilities']);
  });
});
