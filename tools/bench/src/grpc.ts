/**
 * gRPC benchmark: unary Predict round trips through @tributary/grpc beside raw
 * @grpc/grpc-js (a hand-written service definition with the same protobuf-es
 * serializers), and through @tributary/grpc with zero trust on (mutual TLS,
 * the caller's SPIFFE id authorized against the platform policy), server and
 * client in this process over loopback. The machine
 * is shared, so the two stacks are measured under the same load: sequential
 * calls in interleaved pairs, and 32-in-flight rounds alternating the stacks
 * (the round with the median p50 is reported, with its CPU time per call,
 * which other load disturbs less than latency).
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { Client, Server, ServerCredentials, credentials, Metadata, type ServiceDefinition, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import {
  InferenceService,
  PredictRequestSchema,
  PredictResponseSchema,
  ServingTier,
  type PredictRequest,
  type PredictResponse,
} from '@tributary/contracts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccessPolicy, createGrpcChannel, createGrpcClient, createGrpcServer, ensureServiceCertificates, platformAccessRules } from '@tributary/grpc';
import { createLogger } from '@tributary/observability';
import { percentile, reportResults, type Measurement } from './results.js';

const warmupCalls = 2_000;
/** Sequential calls per stack, made in interleaved pairs (raw, lib, lib, raw, …) so both see the same load. */
const sequentialCalls = 10_000;
/** Concurrent mode: short rounds alternating the stacks; the round with the median p50 is reported. */
const concurrentRounds = 9;
const concurrentCallsPerRound = 3_000;
const inFlight = 32;

/** One stack's way to make a Predict call; `close` stops client and server. */
interface Stack {
  readonly name: 'raw' | 'lib' | 'mtls';
  predict(request: PredictRequest): Promise<PredictResponse>;
  close(): Promise<void>;
}

interface RoundResult {
  readonly p50Micros: number;
  readonly p99Micros: number;
  readonly callsPerSecond: number;
  readonly cpuMicrosPerCall: number;
}

const request = create(PredictRequestSchema, {
  modelName: 'flight-delay',
  entityIds: { origin: 'ORD', route: 'ORD-LAX' },
  features: { distance_miles: 1744, departure_hour: 17, origin_delay_mean_1h: 12.5, origin_late_share_24h: 0.21 },
  categoricalFeatures: { origin: 'ORD', destination: 'LAX' },
});

/** The same small amount of work in both servers. */
function answer(predictRequest: PredictRequest): MessageInitShape<typeof PredictResponseSchema> {
  return {
    modelName: predictRequest.modelName,
    modelVersion: 3,
    probability: Math.min(1, (predictRequest.features['distance_miles'] ?? 0) / 5000),
    prediction: 0,
    servedBy: ServingTier.PRIMARY,
  };
}

function serializer<D extends DescMessage>(schema: D) {
  return {
    serialize: (message: MessageShape<D>) => {
      const bytes = toBinary(schema, message);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize: (bytes: Buffer) => fromBinary(schema, bytes),
  };
}

async function rawStack(): Promise<Stack> {
  const requestCodec = serializer(PredictRequestSchema);
  const responseCodec = serializer(PredictResponseSchema);
  const path = '/tributary.v1.InferenceService/Predict';
  const definition: ServiceDefinition = {
    Predict: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: requestCodec.serialize,
      requestDeserialize: requestCodec.deserialize,
      responseSerialize: responseCodec.serialize,
      responseDeserialize: responseCodec.deserialize,
    },
  };
  const server = new Server();
  server.addService(definition, {
    Predict: (call: ServerUnaryCall<PredictRequest, PredictResponse>, callback: sendUnaryData<PredictResponse>) =>
      callback(null, create(PredictResponseSchema, answer(call.request))),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    name: 'raw',
    predict: (predictRequest) =>
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(path, requestCodec.serialize, responseCodec.deserialize, predictRequest, new Metadata(), {}, (error, response) =>
          error || !response ? reject(error ?? new Error('no response')) : resolve(response),
        ),
      ),
    close: async () => {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

async function libStack(): Promise<Stack> {
  const server = createGrpcServer({ address: '127.0.0.1:0', logger: createLogger({ name: 'bench-grpc', level: 'warn' }) });
  server.register(InferenceService, { predict: answer, predictBatch: () => ({}) });
  const channel = createGrpcChannel({ address: `127.0.0.1:${await server.start()}` });
  const client = createGrpcClient(InferenceService, channel);
  return {
    name: 'lib',
    predict: (predictRequest) => client.predict(predictRequest),
    close: async () => {
      channel.close();
      await server.shutdown();
    },
  };
}

/** @tributary/grpc with mutual TLS and per-call authorization: the inference service called by a client identity. */
async function mtlsStack(): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-grpc-mtls-'));
  const { caFile, services } = await ensureServiceCertificates({ dir, namespace: 'bench', services: ['inference', 'client'] });
  const [own, caller] = [services['inference'], services['client']];
  if (!own || !caller) throw new Error('certificates were not issued');
  const server = createGrpcServer({
    address: '127.0.0.1:0',
    logger: createLogger({ name: 'bench-grpc-mtls', level: 'warn' }),
    tls: { cert: { path: own.certFile }, key: { path: own.keyFile }, clientCa: { path: caFile }, requireClientCert: true },
    access: { policy: createAccessPolicy(platformAccessRules()) },
  });
  server.register(InferenceService, { predict: answer, predictBatch: () => ({}) });
  const channel = createGrpcChannel({
    address: `127.0.0.1:${await server.start()}`,
    tls: { ca: { path: caFile }, cert: { path: caller.certFile }, key: { path: caller.keyFile }, serverName: 'localhost' },
  });
  const client = createGrpcClient(InferenceService, channel);
  return {
    name: 'mtls',
    predict: (predictRequest) => client.predict(predictRequest),
    close: async () => {
      channel.close();
      await server.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `calls` Predict calls with `concurrency` in flight; latencies in µs. */
async function measureConcurrent(stack: Stack, calls: number, concurrency: number): Promise<RoundResult> {
  const latenciesMicros: number[] = [];
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const startedMs = performance.now();
  const worker = async () => {
    while (next < calls) {
      next += 1;
      const callStartedMs = performance.now();
      await stack.predict(request);
      latenciesMicros.push((performance.now() - callStartedMs) * 1000);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - startedMs;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    p50Micros: percentile(latenciesMicros, 50),
    p99Micros: percentile(latenciesMicros, 99),
    callsPerSecond: (calls / elapsedMs) * 1000,
    cpuMicrosPerCall: (cpu.user + cpu.system) / calls,
  };
}

/** One call at a time, the stacks taking turns (and turns of who goes first); latencies in µs per stack. */
async function measureSequentialTurns(stacks: readonly Stack[], callsPerStack: number): Promise<Record<Stack['name'], number[]>> {
  const latenciesMicros: Record<Stack['name'], number[]> = { raw: [], lib: [], mtls: [] };
  for (let turn = 0; turn < callsPerStack; turn += 1) {
    for (const stack of turn % 2 === 0 ? stacks : [...stacks].reverse()) {
      const startedMs = performance.now();
      await stack.predict(request);
      latenciesMicros[stack.name].push((performance.now() - startedMs) * 1000);
    }
  }
  return latenciesMicros;
}

function medianRound(results: readonly RoundResult[]): RoundResult {
  const sorted = [...results].sort((a, b) => a.p50Micros - b.p50Micros);
  return sorted[Math.floor(sorted.length / 2)] as RoundResult;
}

function describeMode(label: string, stack: string, result: RoundResult): Measurement[] {
  const prefix = `${label} ${stack}`;
  return [
    { name: `${prefix} p50`, value: Math.round(result.p50Micros), unit: 'µs' },
    { name: `${prefix} p99`, value: Math.round(result.p99Micros), unit: 'µs' },
    { name: `${prefix} throughput`, value: Math.round(result.callsPerSecond), unit: 'calls/s' },
    { name: `${prefix} CPU per call`, value: Math.round(result.cpuMicrosPerCall), unit: 'µs' },
  ];
}

function sequentialMeasurements(stack: string, latenciesMicros: readonly number[]): Measurement[] {
  const totalSeconds = latenciesMicros.reduce((sum, micros) => sum + micros, 0) / 1e6;
  return [
    { name: `sequential ${stack} p50`, value: Math.round(percentile(latenciesMicros, 50)), unit: 'µs' },
    { name: `sequential ${stack} p99`, value: Math.round(percentile(latenciesMicros, 99)), unit: 'µs' },
    { name: `sequential ${stack} throughput`, value: Math.round(latenciesMicros.length / totalSeconds), unit: 'calls/s' },
  ];
}

export async function run(): Promise<void> {
  const raw = await rawStack();
  const lib = await libStack();
  const mtls = await mtlsStack();
  const stacks = [raw, lib, mtls];
  try {
    for (const stack of stacks) await measureConcurrent(stack, warmupCalls, inFlight);

    const sequential = await measureSequentialTurns(stacks, sequentialCalls);
    const concurrent: Record<Stack['name'], RoundResult[]> = { raw: [], lib: [], mtls: [] };
    for (let round = 0; round < concurrentRounds; round += 1) {
      for (const stack of round % 2 === 0 ? stacks : [...stacks].reverse()) {
        concurrent[stack.name].push(await measureConcurrent(stack, concurrentCallsPerRound, inFlight));
      }
    }
    const rawConcurrent = medianRound(concurrent.raw);
    const libConcurrent = medianRound(concurrent.lib);
    const mtlsConcurrent = medianRound(concurrent.mtls);
    const plainP50 = percentile(sequential.lib, 50);
    reportResults('grpc', [
      ...sequentialMeasurements('raw grpc-js', sequential.raw),
      ...sequentialMeasurements('@tributary/grpc', sequential.lib),
      {
        name: 'sequential added p50',
        value: Math.round(percentile(sequential.lib, 50) - percentile(sequential.raw, 50)),
        unit: 'µs',
        target: '≤ 50',
      },
      ...describeMode(`${inFlight} in flight`, 'raw grpc-js', rawConcurrent),
      ...describeMode(`${inFlight} in flight`, '@tributary/grpc', libConcurrent),
      {
        name: `${inFlight} in flight added CPU per call`,
        value: Math.round(libConcurrent.cpuMicrosPerCall - rawConcurrent.cpuMicrosPerCall),
        unit: 'µs',
      },
      ...sequentialMeasurements('@tributary/grpc mtls', sequential.mtls),
      {
        name: 'sequential mtls slower p50',
        value: Math.round(((percentile(sequential.mtls, 50) - plainP50) / plainP50) * 100),
        unit: '%',
        target: '≤ 10',
      },
      ...describeMode(`${inFlight} in flight`, '@tributary/grpc mtls', mtlsConcurrent),
      {
        name: `${inFlight} in flight mtls slower p50`,
        value: Math.round(((mtlsConcurrent.p50Micros - libConcurrent.p50Micros) / libConcurrent.p50Micros) * 100),
        unit: '%',
        target: '≤ 10',
      },
    ]);
  } finally {
    for (const stack of stacks) await stack.close();
  }
}
