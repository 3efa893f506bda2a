import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findWorkspaceRoot } from '@tributary/infra';
import { ensureGoTool, ensurePythonVenv } from '@tributary/infra/tooling';
import { createOnnxPredictor } from '@tributary/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES, MODEL, randomFlightRows, type RegisteredFlightModels } from './testing/flight-models.fixture.js';
import { startTestInference, type TestInference } from './testing/start-test-inference.fixture.js';

const run = promisify(execFile);
const root = findWorkspaceRoot();
const TRITONCLIENT = ['tritonclient[grpc,http]==2.73.0', 'numpy==2.2.6'];
const GRPCURL = { pkg: 'github.com/fullstorydev/grpcurl/cmd/grpcurl', version: 'v1.9.3' };
const ROWS = 5;

interface ClientFailure {
  readonly status: string;
  readonly message: string;
}
type Side = Record<string, unknown> & { label: number[]; probabilities: number[][]; statistics: Record<string, unknown> };
interface ClientReport {
  readonly grpc: Side & { pinned_probabilities: number[][]; wrong_feature_count: ClientFailure; wrong_datatype: ClientFailure; unknown_model: ClientFailure };
  readonly http: Side & { json_probabilities: number[][]; json_rows: number[][]; short_bytes: ClientFailure; unknown_model: ClientFailure };
}

describe('the inference service with standard clients', { timeout: 900_000 }, () => {
  let models: RegisteredFlightModels;
  let service: TestInference;
  let rows: Float32Array;
  let ownProbabilities: Float64Array;
  let python: string;
  let grpcurl: string;
  let report: ClientReport;
  let workDir: string;

  /** The model's own P(late) for row-major rows, from ONNX Runtime directly. */
  async function modelProbabilities(values: Float32Array): Promise<Float64Array> {
    const predictor = await createOnnxPredictor(models.gbdt);
    try {
      return await predictor.predictProba({ values, rowCount: values.length / FEATURE_NAMES.length });
    } finally {
      await predictor.close();
    }
  }

  beforeAll(async () => {
    // The standard clients are installed once into the project's cache (minutes the first time).
    [python, grpcurl] = await Promise.all([ensurePythonVenv({ packages: TRITONCLIENT }), ensureGoTool(GRPCURL)]);
    service = await startTestInference({ INFERENCE_CACHE: 'false', INFERENCE_WORKERS: '2' });
    models = service.models;
    rows = randomFlightRows(ROWS, 99).values;
    ownProbabilities = await modelProbabilities(rows);

    workDir = await mkdtemp(join(tmpdir(), 'inference-clients-'));
    const request = join(workDir, 'request.json');
    const asRows = Array.from({ length: ROWS }, (_, r) => Array.from(rows.subarray(r * FEATURE_NAMES.length, (r + 1) * FEATURE_NAMES.length), (v) => (Number.isNaN(v) ? null : v)));
    await writeFile(
      request,
      JSON.stringify({ grpc: `127.0.0.1:${service.grpcPort}`, http: `127.0.0.1:${service.restPort}`, model: MODEL, version: String(models.primaryVersion), rows: asRows }),
    );
    const script = fileURLToPath(new URL('./testing/triton-clients.py', import.meta.url));
    const { stdout } = await run(python, [script, request], { maxBuffer: 16 << 20 });
    report = JSON.parse(stdout) as ClientReport;
    // A fresh clone installs the clients here: pip and go install took over the 60 s default on a loaded machine.
  }, 600_000);

  afterAll(async () => {
    await service?.lifecycle.shutdown();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const expectModelAnswers = (labels: number[], probabilities: number[][], own: Float64Array) => {
    expect(probabilities).toHaveLength(own.length);
    probabilities.forEach(([p0, p1], row) => {
      expect(Math.abs((p1 as number) - (own[row] as number))).toBeLessThanOrEqual(1e-6);
      expect(Math.abs((p0 as number) - (1 - (own[row] as number)))).toBeLessThanOrEqual(1e-6);
    });
    expect(labels).toEqual(Array.from(own, (p) => (p >= 0.5 ? 1 : 0)));
  };

  it('tritonclient gRPC: ModelInfer (raw_input_contents in, raw_output_contents out) answers exactly the model\'s own predictions', () => {
    expectModelAnswers(report.grpc.label, report.grpc.probabilities, ownProbabilities);
    expect(report.grpc.pinned_probabilities.map((p) => p[1])).toEqual(report.grpc.probabilities.map((p) => p[1]));
    expect(report.grpc['response']).toMatchObject({
      model_name: MODEL,
      model_version: String(models.primaryVersion),
      parameters: { served_by: { string_param: 'primary' }, alias: { string_param: 'champion' } },
    });
  });

  it('tritonclient gRPC: is_server_live, is_server_ready, is_model_ready, get_model_metadata, get_model_config, get_inference_statistics', () => {
    expect(report.grpc).toMatchObject({ live: true, ready: true, model_ready: true, unknown_model_ready: false });
    expect(report.grpc['server_metadata']).toMatchObject({ name: 'tributary-inference', extensions: ['binary_tensor_data', 'model_configuration', 'statistics'] });
    expect(report.grpc['metadata']).toMatchObject({
      name: MODEL,
      versions: [String(models.primaryVersion)],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: ['-1', String(FEATURE_NAMES.length)] }],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: ['-1'] },
        { name: 'probabilities', datatype: 'FP32', shape: ['-1', '2'] },
        { name: 'contributions', datatype: 'FP64', shape: ['-1', String(FEATURE_NAMES.length + 1)] },
      ],
    });
    expect(report.grpc['config']).toMatchObject({
      config: { name: MODEL, platform: 'onnxruntime_onnx', input: [{ name: 'features', data_type: 'TYPE_FP32' }], parameters: { feature_names: { string_value: JSON.stringify(FEATURE_NAMES) } } },
    });
    const [stats] = (report.grpc.statistics['model_stats'] as Record<string, unknown>[]).filter((s) => s['version'] === String(models.primaryVersion));
    // Two gRPC infers of ROWS rows ran before the statistics were read.
    expect(Number(stats?.['inference_count'])).toBeGreaterThanOrEqual(2 * ROWS);
  });

  it('tritonclient gRPC: a wrong feature count, a wrong datatype and an unknown model are refused with what to fix', () => {
    expect(report.grpc.wrong_feature_count.status).toBe('StatusCode.INVALID_ARGUMENT');
    expect(report.grpc.wrong_feature_count.message).toContain(`has ${FEATURE_NAMES.length - 1} features per row; model "${MODEL}" takes ${FEATURE_NAMES.length}`);
    expect(report.grpc.wrong_datatype).toMatchObject({ status: 'StatusCode.INVALID_ARGUMENT', message: expect.stringContaining('datatype "INT64" is not accepted; send FP32') });
    expect(report.grpc.unknown_model.status).toBe('StatusCode.NOT_FOUND');
  });

  it("tritonclient HTTP: ModelInfer with its binary-data default, and with JSON tensors, answers exactly the model's own predictions", async () => {
    expectModelAnswers(report.http.label, report.http.probabilities, ownProbabilities);
    expect(report.http['response']).toMatchObject({ model_name: MODEL, model_version: String(models.primaryVersion), parameters: { served_by: 'primary' } });
    const jsonOwn = await modelProbabilities(Float32Array.from(report.http.json_rows.flat()));
    report.http.json_probabilities.forEach((p, row) => expect(Math.abs((p[1] as number) - (jsonOwn[row] as number))).toBeLessThanOrEqual(1e-6));
  });

  it('tritonclient HTTP: is_server_live, is_server_ready, is_model_ready, get_model_metadata, get_model_config, get_inference_statistics', () => {
    expect(report.http).toMatchObject({ live: true, ready: true, model_ready: true });
    expect(report.http['metadata']).toMatchObject({ name: MODEL, inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, FEATURE_NAMES.length] }] });
    expect(report.http['config']).toMatchObject({ name: MODEL, input: [{ name: 'features', data_type: 'TYPE_FP32', dims: [-1, FEATURE_NAMES.length] }] });
    expect(report.http.statistics).toMatchObject({ model_stats: expect.arrayContaining([expect.objectContaining({ name: MODEL, version: String(models.primaryVersion) })]) });
  });

  it('tritonclient HTTP: binary data one value short is a 400 saying how many bytes to send; an unknown model is a 404', () => {
    expect(report.http.short_bytes.status).toBe('400');
    expect(report.http.short_bytes.message).toContain(`send ${2 * FEATURE_NAMES.length * 4} bytes`);
    expect(report.http.unknown_model.status).toBe('404');
  });

  /** Runs grpcurl against the service with the repository's proto files; `payload` goes to stdin. */
  async function callGrpcurl(proto: string, method: string, payload: object): Promise<{ code: number; output: string }> {
    const args = ['-plaintext', '-import-path', join(root, 'proto'), '-proto', proto, '-d', '@', `127.0.0.1:${service.grpcPort}`, method];
    return new Promise((resolve) => {
      const child = execFile(grpcurl, args, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }));
      child.stdin?.end(JSON.stringify(payload));
    });
  }

  const vectorOf = (row: number) => Array.from(rows.subarray(row * FEATURE_NAMES.length, (row + 1) * FEATURE_NAMES.length), (v) => (Number.isNaN(v) ? 'NaN' : v));

  it('grpcurl: tributary.v1 Predict with a feature row answers the model\'s own prediction, its version and tier', async () => {
    const { code, output } = await callGrpcurl('tributary/v1/inference.proto', 'tributary.v1.InferenceService/Predict', {
      modelName: MODEL,
      featureVector: vectorOf(0),
      requestId: 'grpcurl-1',
      eventId: 'flight-1',
    });
    expect(code, output).toBe(0);
    const answer = JSON.parse(output) as Record<string, unknown>;
    expect(answer).toMatchObject({ modelName: MODEL, modelVersion: models.primaryVersion, servedBy: 'SERVING_TIER_PRIMARY', alias: 'champion', requestId: 'grpcurl-1' });
    expect(Math.abs((answer['probability'] as number) - (ownProbabilities[0] as number))).toBeLessThanOrEqual(1e-6);
  });

  it('grpcurl: KServe ModelInfer with typed contents answers typed outputs; a bad shape is INVALID_ARGUMENT with what to send', async () => {
    const { code, output } = await callGrpcurl('inference/grpc_predict_v2.proto', 'inference.GRPCInferenceService/ModelInfer', {
      modelName: MODEL,
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, FEATURE_NAMES.length], contents: { fp32Contents: vectorOf(1) } }],
      outputs: [{ name: 'probabilities' }],
    });
    expect(code, output).toBe(0);
    const response = JSON.parse(output) as { outputs: { contents: { fp32Contents: number[] } }[] };
    expect(Math.abs((response.outputs[0]?.contents.fp32Contents[1] as number) - (ownProbabilities[1] as number))).toBeLessThanOrEqual(1e-6);

    const bad = await callGrpcurl('inference/grpc_predict_v2.proto', 'inference.GRPCInferenceService/ModelInfer', {
      modelName: MODEL,
      inputs: [{ name: 'features', datatype: 'FP32', shape: [2, FEATURE_NAMES.length], contents: { fp32Contents: vectorOf(1) } }],
    });
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('InvalidArgument');
    expect(bad.output).toContain(`send ${2 * FEATURE_NAMES.length} values in row-major order`);
  });
});
