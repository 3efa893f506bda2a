/**
 * The inference service measured as its users meet it: the registry and the
 * inference service from their builds, in a namespace of their own
 * (TRIBUTARY_NAMESPACE: topics, Redis keys, artifacts), the flights GBDT
 * registered twice (the second to swap to under load), real online features
 * in Redis, and ghz sending the requests. The prediction cache is off, so
 * every request runs the model. A second instance with mutual TLS and
 * per-call authorization measures what zero trust costs (inference-mtls.ts).
 * Its topics, groups, keys and artifacts are removed at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { InferenceService, ModelRegistryService, ServingTier } from '@tributary/contracts';
import { ModelProtoSchema } from '@tributary/contracts/onnx';
import { createGrpcChannel, createGrpcClient, type ClientTlsOptions, type GrpcChannel } from '@tributary/grpc';
import { freePort } from '@tributary/infra';
import { createKafkaClient } from '@tributary/kafka';
import { createLogger, metricSamples, sumByLabel } from '@tributary/observability';
import { createGrpcRegistryClient, type RegistryClient } from '@tributary/model-registry/client';
import { sha256Hex, timeWindowOf } from '@tributary/training';
import { Redis } from 'ioredis';
import { deleteKafkaNamespace, deleteKeysWithPrefix } from './bench-cleanup.js';
import { TRAINING_WINDOW, type FlightsGbdt } from './flights-gbdt.js';
import { startBarePredictServer } from './bare-predict-server.js';
import { runGhz, type GhzReport } from './ghz.js';
import { measureMtlsCost } from './inference-mtls.js';
import { KSERVE_MODEL_INFER, TRIBUTARY_PREDICT, TRIBUTARY_PREDICT_BATCH, modelInferMessages, predictMessages, saturating, sequential, warmUp } from './inference-requests.js';
import { flightsAfterReplay, loadOnlineFeatures } from './online-flights.js';
import type { Measurement } from './results.js';
import { peakRssMbOf, serviceEnv, startService, stopService } from './service-process.js';

const MODEL = 'flight-delay';
const registryMain = fileURLToPath(new URL('../../../apps/registry/dist/main.js', import.meta.url));
const inferenceMain = fileURLToPath(new URL('../../../apps/inference/dist/main.js', import.meta.url));
const batchRequests = 100;
/** Deadline of each request of the overload run, in ms: the bound accepted requests must answer within. */
const OVERLOAD_DEADLINE_MS = 250;
/** gRPC statuses the overload run's calls are counted by (ghz's names); the rest are `other`. */
const OVERLOAD_STATUSES = ['OK', 'ResourceExhausted', 'DeadlineExceeded', 'Unavailable'] as const;

/** The floors the service is compared with, measured before it. */
export interface Floors {
  readonly bareGrpcP50Ms: number;
  readonly bareOnnxP50Ms: number;
  readonly bareWorkersRowsPerSecond: number;
  readonly pythonPeerRequestsPerSecond: number;
}

interface RunningInference {
  readonly process: ChildProcess;
  readonly address: string;
  readonly channel: GrpcChannel;
  /** Answers so far by the tier that served them, from the service's /metrics. */
  answersByTier(): Promise<Record<string, number>>;
  /** Prediction logs so far by outcome (sent, dropped, send_failed), from the service's /metrics. */
  predictionLogs(): Promise<Record<string, number>>;
}

/** A counter of the service's /metrics summed by one of its labels. */
async function readCounter(opsPort: number, metric: string, label: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  return Object.fromEntries(sumByLabel(metricSamples(text, metric), label));
}

/** Share of the answers between two readings that the primary model served. */
function primaryShare(before: Record<string, number>, after: Record<string, number>): number {
  const delta = (tier: string) => (after[tier] ?? 0) - (before[tier] ?? 0);
  const all = Object.keys(after).reduce((sum, tier) => sum + delta(tier), 0);
  return all === 0 ? Number.NaN : delta('primary') / all;
}

/** The same trees as a distinct artifact (the registry keeps each artifact once), to swap to: its ONNX model_version says 2. */
function secondArtifact(onnx: Uint8Array): Uint8Array {
  const proto = fromBinary(ModelProtoSchema, onnx);
  proto.modelVersion = 2n;
  return toBinary(ModelProtoSchema, proto);
}

async function register(registry: RegistryClient, model: FlightsGbdt, artifact: Uint8Array, note: string): Promise<number> {
  const version = await registry.register(
    {
      modelName: MODEL,
      modelType: 'gbdt',
      featureNames: [...model.featureNames],
      metrics: { holdout_auc: model.holdoutAuc },
      lineage: { trainingWindow: timeWindowOf(TRAINING_WINDOW), featureDefinitionsHash: 'bench', codeVersion: 'bench' },
      artifactSha256: sha256Hex(artifact),
      artifactSizeBytes: BigInt(artifact.length),
      artifactFormat: 'onnx',
      tags: { bench: note },
      description: `inference benchmark: ${note}`,
      createdBy: 'bench',
    },
    artifact,
  );
  return version.version;
}

/** Asks until the primary model answers, so measuring starts on a loaded, warm model. */
async function untilPrimaryServes(channel: GrpcChannel, model: FlightsGbdt, timeoutMs = 120_000): Promise<number> {
  const client = createGrpcClient(InferenceService, channel);
  const deadline = Date.now() + timeoutMs;
  const featureVector = Array.from(model.rows.subarray(0, model.featureNames.length));
  for (;;) {
    const answer = await client.predict({ modelName: MODEL, featureVector }, { timeoutMs: 2_000 }).catch(() => undefined);
    if (answer?.servedBy === ServingTier.PRIMARY) return answer.modelVersion;
    if (Date.now() > deadline) throw new Error(`the inference service did not answer from its primary model within ${timeoutMs / 1000} s`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

/**
 * Measures the service (see the module comment) with ghz at `ghz`; the
 * floors make the ratios. Leaves nothing behind in Redis.
 */
export async function measureService(ghz: string, model: FlightsGbdt, floors: Floors): Promise<Measurement[]> {
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const artifactDir = mkdtempSync(join(tmpdir(), 'bench-inference-'));
  const featuresPrefix = `${namespace}:features`;
  const redis = new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379');
  const registryPort = await freePort();
  const registryAddress = `127.0.0.1:${registryPort}`;
  const base = { TRIBUTARY_NAMESPACE: namespace };
  let registryProcess: ChildProcess | undefined;
  let inference: RunningInference | undefined;
  const registryChannel = createGrpcChannel({ address: registryAddress, timeoutMs: 60_000 });
  const measurements: Measurement[] = [];

  const startInference = async (settings: Readonly<Record<string, string>>, tls?: ClientTlsOptions): Promise<RunningInference> => {
    const [port, opsPort] = [await freePort(), await freePort()];
    const child = await startService(inferenceMain, 'ready', serviceEnv({
      ...base,
      GRPC_PORT: String(port),
      OPS_PORT: String(opsPort),
      REST_HOST: '127.0.0.1',
      REST_PORT: '0',
      REGISTRY_ADDRESS: registryAddress,
      FEATURES_REDIS_PREFIX: featuresPrefix,
      INFERENCE_CACHE: 'false',
      // The machine is shared and loaded: budgets wide enough that the primary model, not the fallback tiers, is what gets measured.
      INFERENCE_PRIMARY_BUDGET_MS: '1000',
      INFERENCE_FALLBACK_BUDGET_MS: '500',
      ...settings,
    }));
    const channel = createGrpcChannel({ address: `127.0.0.1:${port}`, ...(tls ? { tls } : {}) });
    await untilPrimaryServes(channel, model);
    return {
      process: child,
      address: `127.0.0.1:${port}`,
      channel,
      answersByTier: () => readCounter(opsPort, 'tributary_serving_answers_total', 'tier'),
      predictionLogs: () => readCounter(opsPort, 'tributary_serving_prediction_logs_total', 'outcome'),
    };
  };
  const stopInference = async () => {
    if (!inference) return;
    inference.channel.close();
    await stopService(inference.process);
    inference = undefined;
  };
  const ghzRun = (options: Parameters<typeof runGhz>[1]): Promise<GhzReport> => runGhz(ghz, options);

  try {
    registryProcess = await startService(registryMain, 'ready', serviceEnv({
      ...base,
      GRPC_PORT: String(registryPort),
      REGISTRY_ARTIFACT_DIR: artifactDir,
      REGISTRY_APPROVAL_EXEMPT_MODELS: MODEL,
    }));
    const registry = createGrpcRegistryClient(createGrpcClient(ModelRegistryService, registryChannel));
    const first = await register(registry, model, model.onnx, 'served first');
    const second = await register(registry, model, secondArtifact(model.onnx), 'swapped to under load');
    await registry.setAlias({ modelName: MODEL, alias: 'champion', version: first, expectedVersion: 0, actor: 'bench', reason: 'benchmark' });
    const entities = await loadOnlineFeatures(redis, featuresPrefix);
    console.log(`online store: ${entities} airports and routes under ${featuresPrefix}`);

    inference = await startInference({});
    const rows = predictMessages(model);
    // Latency is measured in steady state, after a warm-up (see warmUp); the first calls after start are reported too.
    const cold = await ghzRun(sequential(inference.address, TRIBUTARY_PREDICT, rows));
    await ghzRun(warmUp(inference.address, TRIBUTARY_PREDICT, rows));
    const latency = await ghzRun(sequential(inference.address, TRIBUTARY_PREDICT, rows));
    const mtlsCost = await measureMtlsCost({
      ghz,
      messages: rows,
      plain: { address: inference.address, pid: inference.process.pid as number },
      namespace,
      startInference: async (settings, tls) => {
        const started = await startInference(settings, tls);
        return {
          address: started.address,
          pid: started.process.pid as number,
          stop: async () => {
            started.channel.close();
            await stopService(started.process);
          },
        };
      },
    });
    const flights = (await flightsAfterReplay(model.rowCount)).map((f) => ({
      model_name: MODEL,
      flight: { origin: f.origin, destination: f.destination, departure_time: new Date(f.departureTimeMs).toISOString(), distance_miles: f.distanceMiles },
    }));
    const online = await ghzRun(sequential(inference.address, TRIBUTARY_PREDICT, flights));
    const kserve = await ghzRun(sequential(inference.address, KSERVE_MODEL_INFER, modelInferMessages(model)));
    const beforeThroughput = await inference.answersByTier();
    const batchedOn = await ghzRun(saturating(inference.address, TRIBUTARY_PREDICT, rows));
    const primaryShareBatchedOn = primaryShare(beforeThroughput, await inference.answersByTier());
    const kserveThroughput = await ghzRun(saturating(inference.address, KSERVE_MODEL_INFER, modelInferMessages(model)));
    const batches = Array.from({ length: 20 }, (_, b) => ({ requests: rows.slice((b * batchRequests) % rows.length, ((b * batchRequests) % rows.length) + batchRequests) }));
    // Sustained (~150 000 rows) rather than a burst the prediction-log buffer could absorb: logging must keep up.
    const batchRun = await ghzRun({ ...TRIBUTARY_PREDICT_BATCH, address: inference.address, messages: batches, concurrency: 4, total: 1_500, skipFirst: 50 });

    // Overload: twice the rate it sustained, offered open-loop, each with a deadline of OVERLOAD_DEADLINE_MS: what
    // cannot be answered in time must be shed at once with RESOURCE_EXHAUSTED, and what is accepted must answer within
    // the deadline. The client must not be the bottleneck: ghz with rate × deadline × 2 calls in flight over 2
    // connections (1 152 at 2 300/s) failed a third of its calls even against the bare server, which answers at once;
    // rate × deadline / 2 over 8 connections keeps the rate there with every call OK, which the control run checks.
    const overloadRate = Math.round(2 * batchedOn.rps);
    const overloadRun = (address: string) =>
      ghzRun({
        ...saturating(address, TRIBUTARY_PREDICT, rows),
        concurrency: Math.ceil((overloadRate * OVERLOAD_DEADLINE_MS) / 2000),
        connections: 8,
        rps: overloadRate,
        total: overloadRate * 10,
        timeoutMs: OVERLOAD_DEADLINE_MS,
      });
    const rssBeforeOverload = peakRssMbOf(inference.process.pid as number);
    const overload = await overloadRun(inference.address);
    const rssAfterOverload = peakRssMbOf(inference.process.pid as number);
    const bareServer = await startBarePredictServer();
    const overloadControl = await overloadRun(bareServer.address).finally(() => bareServer.close());

    // Swap under load: champion moves to the second version while requests flow.
    const swapLoad = ghzRun({ ...saturating(inference.address, TRIBUTARY_PREDICT, rows), concurrency: 8, rps: Math.round(batchedOn.rps / 2), total: Math.round(batchedOn.rps / 2) * 12 });
    await new Promise((done) => setTimeout(done, 4_000));
    await registry.setAlias({ modelName: MODEL, alias: 'champion', version: second, expectedVersion: first, actor: 'bench', reason: 'swap under load' });
    const swap = await swapLoad;
    const versionAfterSwap = await untilPrimaryServes(inference.channel, model, 5_000);
    const peakRss = peakRssMbOf(inference.process.pid as number);
    // Read before the shutdown flushes what is still buffered: what the runs above left undelivered, if anything.
    const predictionLogs = await inference.predictionLogs();
    await stopInference();

    inference = await startInference({ INFERENCE_MAX_BATCH_SIZE: '1', INFERENCE_MAX_QUEUE_DELAY_MS: '0' });
    const beforeUnbatched = await inference.answersByTier();
    const batchedOff = await ghzRun(saturating(inference.address, TRIBUTARY_PREDICT, rows));
    const primaryShareBatchedOff = primaryShare(beforeUnbatched, await inference.answersByTier());
    await stopInference();

    const failed = (report: GhzReport) => report.count - (report.statuses['OK'] ?? 0);
    // Rows answered: a call shed for overload is counted in ghz's rate but carried no answer.
    const batchRowsPerSecond = batchRun.rps * ((batchRun.statuses['OK'] ?? 0) / batchRun.count) * batchRequests;
    measurements.push(
      { name: 'predict p50 ms', value: latency.p50Ms, unit: 'ms', target: '≤ 0.5' },
      { name: 'predict p99 ms', value: latency.p99Ms, unit: 'ms', target: '≤ 1.5' },
      { name: 'predict p50 ms, first calls after start (before the warm-up)', value: cold.p50Ms, unit: 'ms' },
      { name: 'predict p99 ms, first calls after start (before the warm-up)', value: cold.p99Ms, unit: 'ms' },
      ...mtlsCost,
      { name: 'predict with online features p99 ms', value: online.p99Ms, unit: 'ms', target: '≤ 2' },
      { name: 'predict with online features p50 ms', value: online.p50Ms, unit: 'ms' },
      { name: 'predict overhead ratio', value: latency.p50Ms / (floors.bareGrpcP50Ms + floors.bareOnnxP50Ms), unit: '×', target: '≤ 1.5' },
      { name: 'single-row throughput batching on /s', value: batchedOn.rps, unit: 'req/s' },
      { name: 'single-row throughput batching off /s', value: batchedOff.rps, unit: 'req/s' },
      { name: 'single-row throughput primary share (batching on / off)', value: primaryShareBatchedOn, unit: `/ ${primaryShareBatchedOff.toFixed(3)}` },
      { name: 'batching gain ratio', value: batchedOn.rps / batchedOff.rps, unit: '×', target: '≥ 2' },
      { name: 'PredictBatch 100 rows/s', value: batchRowsPerSecond, unit: 'rows/s' },
      { name: 'PredictBatch calls shed', value: batchRun.statuses['ResourceExhausted'] ?? 0, unit: `of ${batchRun.count}` },
      { name: 'batch efficiency ratio', value: batchRowsPerSecond / floors.bareWorkersRowsPerSecond, unit: '×', target: '≥ 0.8' },
      { name: 'kserve modelinfer p50 ms', value: kserve.p50Ms, unit: 'ms' },
      { name: 'kserve modelinfer single-row /s', value: kserveThroughput.rps, unit: 'req/s' },
      { name: 'overload offered rate /s', value: overloadRate, unit: 'req/s' },
      { name: 'overload sent rate /s', value: overload.rps, unit: 'req/s' },
      ...OVERLOAD_STATUSES.map((status) => ({ name: `overload calls ${status}`, value: overload.statuses[status] ?? 0, unit: 'calls' })),
      { name: 'overload calls other', value: overload.count - OVERLOAD_STATUSES.reduce((sum, status) => sum + (overload.statuses[status] ?? 0), 0), unit: 'calls' },
      { name: 'overload deadline ms', value: OVERLOAD_DEADLINE_MS, unit: 'ms' },
      { name: 'overload accepted share', value: (overload.statuses['OK'] ?? 0) / overload.count, unit: '' },
      { name: 'overload shed share', value: (overload.statuses['ResourceExhausted'] ?? 0) / overload.count, unit: '' },
      { name: 'overload accepted p99 ms', value: overload.p99OfStatus('OK'), unit: 'ms', target: `≤ ${OVERLOAD_DEADLINE_MS} (the deadline)` },
      { name: 'overload shed p99 ms', value: overload.p99OfStatus('ResourceExhausted'), unit: 'ms' },
      { name: 'overload rss growth mb', value: rssAfterOverload - rssBeforeOverload, unit: 'MB' },
      { name: 'overload failures other than shedding', value: overload.count - (overload.statuses['OK'] ?? 0) - (overload.statuses['ResourceExhausted'] ?? 0), unit: 'requests' },
      { name: 'overload client control failed calls (bare server)', value: failed(overloadControl), unit: 'calls', target: '0' },
      { name: 'overload client control p99 ms (bare server)', value: overloadControl.p99Ms, unit: 'ms' },
      { name: 'peak rss mb', value: peakRss, unit: 'MB' },
      { name: 'prediction logs sent', value: predictionLogs['sent'] ?? 0, unit: 'logs' },
      { name: 'prediction logs dropped', value: predictionLogs['dropped'] ?? 0, unit: 'logs', target: '0' },
      { name: 'failed requests during swap', value: failed(swap), unit: 'requests', target: '0' },
      { name: 'version served after swap', value: versionAfterSwap, unit: `(expected ${second})` },
      { name: 'throughput vs python peer ratio', value: kserveThroughput.rps / floors.pythonPeerRequestsPerSecond, unit: '×', target: '≥ 3' },
      { name: 'failed requests in latency and throughput runs', value: [cold, latency, online, kserve, batchedOn, kserveThroughput, batchRun, batchedOff].reduce((sum, r) => sum + failed(r), 0), unit: 'requests', target: '0' },
    );
    return measurements;
  } finally {
    await stopInference();
    registryChannel.close();
    if (registryProcess) await stopService(registryProcess);
    await deleteKeysWithPrefix(redis, namespace);
    redis.disconnect();
    await deleteKafkaNamespace(createKafkaClient({ clientId: 'bench-inference', logger: createLogger({ name: 'bench', level: 'warn' }) }), `${namespace}.`);
    rmSync(artifactDir, { recursive: true, force: true });
  }
}
