import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  GRPCInferenceService,
  InferenceService,
  ModelConfigRequestSchema,
  ModelInferRequestSchema,
  PredictBatchRequestSchema,
  PredictRequestSchema,
  ServingTier,
} from '@tributary/contracts';
import { assertEdgeHolds, createRawGrpcCaller, grpcWireEdge, hostileText, mutatedBytes, type RawGrpcCaller } from '@tributary/fuzz';
import { createGrpcChannel, createGrpcClient, methodPath, type GrpcChannel } from '@tributary/grpc';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES, MODEL, randomFlightRows } from './testing/flight-models.fixture.js';
import { startTestInference, type TestInference } from './testing/start-test-inference.fixture.js';

const TOKEN = 'a-test-token-of-enough-length';
const row = randomFlightRows(1, 5).values;

describe('the inference service over REST and gRPC', { timeout: 120_000 }, () => {
  let service: TestInference;
  let guarded: TestInference;
  let channel: GrpcChannel;
  let raw: RawGrpcCaller;
  const rest = (path: string, init: RequestInit = {}, port = service.restPort) => fetch(`http://127.0.0.1:${port}${path}`, init);
  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}, port?: number) =>
    rest(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }, port);
  const inferBody = (values: ArrayLike<number>, rows = 1) => ({
    inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, FEATURE_NAMES.length], data: Array.from(values, (v) => (Number.isNaN(v) ? 0 : v)) }],
  });

  beforeAll(async () => {
    [service, guarded] = await Promise.all([
      startTestInference(),
      startTestInference({ SERVICE_AUTH_TOKEN: TOKEN, INFERENCE_MAX_QUEUED_ROWS: '4', INFERENCE_MAX_BATCH_SIZE: '2', INFERENCE_WORKERS: '1' }),
    ]);
    channel = createGrpcChannel({ address: `127.0.0.1:${service.grpcPort}` });
    raw = createRawGrpcCaller(`127.0.0.1:${service.grpcPort}`);
  });

  afterAll(async () => {
    raw?.close();
    channel?.close();
    await Promise.all([service?.lifecycle.shutdown(), guarded?.lifecycle.shutdown()]);
  });

  it('answers KServe health and server metadata over REST', async () => {
    expect(await (await rest('/v2/health/live')).json()).toEqual({ live: true });
    const ready = await rest('/v2/health/ready');
    expect(ready.status).toBe(200);
    expect(await (await rest('/v2')).json()).toMatchObject({ name: 'tributary-inference', extensions: ['binary_tensor_data', 'model_configuration', 'statistics'] });
    expect((await rest(`/v2/models/${MODEL}/versions/${service.models.primaryVersion}/ready`)).status).toBe(200);
    expect((await rest(`/v2/models/${MODEL}/versions/999/ready`)).status).toBe(503);
  });

  it('serves the seeds\' POST /v1/predictions with version and tier, the same answer as gRPC Predict', async () => {
    const features = { 'origin.out_late_share_1h': 0.7, distance_miles: 900 };
    const response = await postJson('/v1/predictions', { model_id: MODEL, features: { ...features, origin_code: 'ORD' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ model_version: String(service.models.primaryVersion), tier: 'primary', alias: 'champion' });
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['prediction', 'probability', 'model_version', 'latency_ms']));
    expect(body['defaulted_features']).toContain('hour_of_day');

    const client = createGrpcClient(InferenceService, channel);
    const grpc = await client.predict({ modelName: MODEL, features, categoricalFeatures: { origin_code: 'ORD' } });
    expect(grpc.probability).toBe(body['probability']);
    expect(grpc).toMatchObject({ modelVersion: service.models.primaryVersion, servedBy: ServingTier.PRIMARY, alias: 'champion' });
  });

  it('answers Predict for a flight, flagging the online features it had to default, and PredictBatch in order', async () => {
    const client = createGrpcClient(InferenceService, channel);
    const flight = { origin: 'ORD', destination: 'LAX', departureTime: timestampFromMs(Date.UTC(2001, 2, 5, 14, 30)), distanceMiles: 1744 };
    const answer = await client.predict({ modelName: MODEL, flight, eventId: 'departed-1', requestId: 'r-1' });
    expect(answer).toMatchObject({ requestId: 'r-1', servedBy: ServingTier.PRIMARY, modelVersion: service.models.primaryVersion });
    expect(answer.defaultedFeatures).toContain('origin.departures_1h');
    expect(answer.defaultedFeatures).not.toContain('distance_miles');

    const batch = await client.predictBatch({
      requests: [
        { modelName: MODEL, flight },
        { modelName: MODEL, featureVector: Array.from(row) },
      ],
    });
    expect(batch.responses).toHaveLength(2);
    expect(batch.responses[0]?.probability).toBe(answer.probability);
    const failed = await client.predictBatch({ requests: [{ modelName: MODEL, flight }, { modelName: MODEL, featureVector: [1, 2] }] }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 3, message: expect.stringContaining('requests[1]: ') });
  });

  it('maps errors to 400, 404 and 504 with {error} saying what to fix', async () => {
    const missing = await postJson('/v1/predictions', { features: {} });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: 'model_id is missing; name the model, e.g. "flight-delay"' });
    const bool = await postJson('/v1/predictions', { model_id: MODEL, features: { distance_miles: true } });
    expect(await bool.json()).toEqual({ error: 'feature "distance_miles" is true; send a number or a string' });
    expect((await postJson('/v1/predictions', { model_id: MODEL, features: { nonsense: 1 } })).status).toBe(400);
    expect((await postJson('/v1/predictions', { model_id: 'no-such-model', features: { distance_miles: 1 } })).status).toBe(404);
    expect((await rest('/v2/models/no-such-model')).status).toBe(404);
    const notJson = await rest(`/v2/models/${MODEL}/infer`, { method: 'POST', body: '{"inputs": [' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toContain('not JSON');
    const late = await postJson(`/v2/models/${MODEL}/infer`, inferBody(row), { 'request-timeout-ms': '0' });
    expect(late.status).toBe(504);
  });

  it('needs the bearer token on every REST route but health, when one is configured', async () => {
    expect((await rest('/v2/health/live', {}, guarded.restPort)).status).toBe(200);
    const refused = await postJson('/v1/predictions', { model_id: MODEL, features: { distance_miles: 1 } }, {}, guarded.restPort);
    expect(refused.status).toBe(401);
    const wrong = await postJson('/v1/predictions', { model_id: MODEL, features: { distance_miles: 1 } }, { authorization: 'Bearer nope' }, guarded.restPort);
    expect(wrong.status).toBe(401);
    const allowed = await postJson('/v1/predictions', { model_id: MODEL, features: { distance_miles: 1 } }, { authorization: `Bearer ${TOKEN}` }, guarded.restPort);
    expect(allowed.status).toBe(200);
  });

  it('sheds a request larger than the bounded queue with 429 instead of queueing it', async () => {
    const rows = randomFlightRows(50, 8).values;
    const shed = await postJson(`/v2/models/${MODEL}/infer`, inferBody(rows, 50), { authorization: `Bearer ${TOKEN}` }, guarded.restPort);
    expect(shed.status).toBe(429);
    expect(((await shed.json()) as { error: string }).error).toContain('batch queue');
  });

  it('REST infer bodies under fuzzing get a 4xx with {error}, never a 5xx, and the service keeps answering', async () => {
    const valid = fc.array(fc.float({ noDefaultInfinity: true, noNaN: true }), { minLength: FEATURE_NAMES.length, maxLength: FEATURE_NAMES.length }).map((values) => {
      const json = Buffer.from(JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, FEATURE_NAMES.length], parameters: { binary_data_size: values.length * 4 } }] }));
      return { bytes: new Uint8Array(Buffer.concat([json, Buffer.from(Float32Array.from(values).buffer)])), headerLength: json.byteLength };
    });
    await assertEdgeHolds({
      name: 'inference rest infer bodies',
      input: fc.tuple(valid.chain((v) => mutatedBytes(fc.constant(v.bytes)).map((bytes) => ({ bytes, headerLength: v.headerLength }))), fc.option(hostileText({ maxLength: 12 }))),
      check: async ([body, header]) => {
        const response = await rest(`/v2/models/${MODEL}/infer`, {
          method: 'POST',
          body: body.bytes,
          headers: { 'inference-header-content-length': header ?? String(body.headerLength) },
        }).catch((error: unknown) => {
          // fetch itself refuses header values it cannot send; that never reaches the server.
          if (error instanceof TypeError && header !== null) return undefined;
          throw error;
        });
        if (!response) return;
        const text = await response.text();
        if (response.status >= 500) throw new Error(`HTTP ${response.status}: ${text}`);
        if (response.status !== 200) expect(JSON.parse(text)).toEqual({ error: expect.any(String) });
      },
    });
    expect((await postJson(`/v2/models/${MODEL}/infer`, inferBody(row))).status).toBe(200);
  });

  it('garbage on the wire to every method gets OK or a clear refusal, and the server keeps answering', () =>
    assertEdgeHolds(
      grpcWireEdge({
        name: 'inference grpc wire',
        caller: raw,
        methods: [
          {
            path: methodPath(GRPCInferenceService.method.modelInfer),
            kind: 'unary',
            valid: toBinary(
              ModelInferRequestSchema,
              create(ModelInferRequestSchema, {
                modelName: MODEL,
                inputs: [{ name: 'features', datatype: 'FP32', shape: [1n, BigInt(FEATURE_NAMES.length)] }],
                rawInputContents: [new Uint8Array(row.buffer.slice(0))],
              }),
            ),
          },
          { path: methodPath(InferenceService.method.predict), kind: 'unary', valid: toBinary(PredictRequestSchema, create(PredictRequestSchema, { modelName: MODEL, featureVector: Array.from(row) })) },
          {
            path: methodPath(InferenceService.method.predictBatch),
            kind: 'unary',
            valid: toBinary(PredictBatchRequestSchema, create(PredictBatchRequestSchema, { requests: [{ modelName: MODEL, features: { distance_miles: 100 } }] })),
          },
          { path: methodPath(GRPCInferenceService.method.modelConfig), kind: 'unary', valid: toBinary(ModelConfigRequestSchema, create(ModelConfigRequestSchema, { name: MODEL })) },
        ],
      }),
    ));
});
