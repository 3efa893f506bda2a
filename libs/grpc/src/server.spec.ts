import { setTimeout as sleep } from 'node:timers/promises';
import { create, createFileRegistry, type DescService } from '@bufbuild/protobuf';
import { FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { InferenceService, ModelRegistryService, ServingTier } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { createLogger, getMetricsRegistry } from '@tributary/observability';
import { afterEach, describe, expect, it } from 'vitest';
import {
  RemoteCallError,
  createGrpcChannel,
  createGrpcClient,
  createGrpcServer,
  type GrpcChannel,
  type GrpcServer,
  type GrpcServerOptions,
  type ServiceImpl,
} from './index.js';

/** A bidi-streaming service made at run time: the contracts have none. */
const EchoService: DescService = (() => {
  const file = create(FileDescriptorProtoSchema, {
    name: 'tributary/test/echo.proto',
    package: 'tributary.test',
    syntax: 'proto3',
    messageType: [
      {
        name: 'Echo',
        field: [{ name: 'text', jsonName: 'text', number: 1, type: FieldDescriptorProto_Type.STRING, label: FieldDescriptorProto_Label.OPTIONAL }],
      },
    ],
    service: [
      {
        name: 'EchoService',
        method: [{ name: 'Chat', inputType: '.tributary.test.Echo', outputType: '.tributary.test.Echo', clientStreaming: true, serverStreaming: true }],
      },
    ],
  });
  const service = createFileRegistry(file, () => undefined).getService('tributary.test.EchoService');
  if (!service) throw new Error('EchoService did not build');
  return service;
})();

const open: { server: GrpcServer; channel: GrpcChannel }[] = [];

async function serve(
  register: (server: GrpcServer) => void,
  options: GrpcServerOptions = {},
): Promise<{ server: GrpcServer; channel: GrpcChannel }> {
  const server = createGrpcServer({ address: '127.0.0.1:0', logger: silentLogger(), ...options });
  register(server);
  const port = await server.start();
  const channel = createGrpcChannel({ address: `127.0.0.1:${port}` });
  open.push({ server, channel });
  return { server, channel };
}

afterEach(async () => {
  for (const { server, channel } of open.splice(0)) {
    channel.close();
    await server.shutdown();
  }
});

const predict: ServiceImpl<typeof InferenceService>['predict'] = (request, context) => ({
  modelName: request.modelName,
  modelVersion: 7,
  probability: (request.features['distance_miles'] ?? 0) / 1000,
  servedBy: ServingTier.PRIMARY,
  requestId: context.requestHeader('x-request-id') ?? '',
});

const inference: ServiceImpl<typeof InferenceService> = {
  predict,
  async predictBatch(request, context) {
    return { responses: await Promise.all(request.requests.map((item) => predict(item, context))) };
  },
};

function unimplemented(): never {
  throw new TributaryError(Code.Unimplemented, 'not in this test');
}

/** A registry that keeps one uploaded artifact in memory and streams it back in 3-byte chunks. */
function createArtifactRegistry(): ServiceImpl<typeof ModelRegistryService> {
  let artifact = Buffer.alloc(0);
  return {
    async registerModelVersion(requests) {
      let modelName = '';
      for await (const request of requests) {
        if (request.content.case === 'metadata') modelName = request.content.value.modelName;
        if (request.content.case === 'chunk') artifact = Buffer.concat([artifact, request.content.value]);
      }
      return { modelVersion: { modelName, version: 1, artifactSizeBytes: BigInt(artifact.length) } };
    },
    async *downloadArtifact(request) {
      yield { content: { case: 'info', value: { modelName: request.modelName, artifactSizeBytes: BigInt(artifact.length) } } };
      for (let offset = 0; offset < artifact.length; offset += 3) {
        yield { content: { case: 'chunk', value: artifact.subarray(offset, offset + 3) } };
      }
    },
    getModelVersion: unimplemented,
    listModelVersions: unimplemented,
    setAlias: unimplemented,
    deleteAlias: unimplemented,
    approveModelVersion: unimplemented,
    getAuditHistory: unimplemented,
  };
}

describe('createGrpcServer()', () => {
  it('answers a unary call with the generated contracts, request metadata reaching the handler', async () => {
    const { channel } = await serve((server) => server.register(InferenceService, inference));
    const client = createGrpcClient(InferenceService, channel);
    const response = await client.predict(
      { modelName: 'flight-delay', features: { distance_miles: 250 } },
      { metadata: { 'x-request-id': 'req-1' } },
    );
    expect(response).toMatchObject({ modelName: 'flight-delay', modelVersion: 7, probability: 0.25, requestId: 'req-1' });
    expect(response.servedBy).toBe(ServingTier.PRIMARY);
  });

  it('streams requests in (client streaming) and responses out (server streaming)', async () => {
    const { channel } = await serve((server) => server.register(ModelRegistryService, createArtifactRegistry()));
    const client = createGrpcClient(ModelRegistryService, channel);
    async function* upload() {
      yield { content: { case: 'metadata' as const, value: { modelName: 'flight-delay' } } };
      yield { content: { case: 'chunk' as const, value: Buffer.from('onnx-') } };
      yield { content: { case: 'chunk' as const, value: Buffer.from('bytes') } };
    }
    const registered = await client.registerModelVersion(upload());
    expect(registered.modelVersion?.artifactSizeBytes).toBe(10n);

    const chunks: Uint8Array[] = [];
    let info = '';
    for await (const response of client.downloadArtifact({ modelName: 'flight-delay', selector: { case: 'version', value: 1 } })) {
      if (response.content.case === 'info') info = response.content.value.modelName;
      if (response.content.case === 'chunk') chunks.push(response.content.value);
    }
    expect(info).toBe('flight-delay');
    expect(chunks).toHaveLength(4);
    expect(Buffer.concat(chunks).toString()).toBe('onnx-bytes');
  });

  it('carries a bidirectional stream', async () => {
    const echo = {
      async *chat(requests: AsyncIterable<{ text: string }>) {
        for await (const request of requests) yield { text: request.text.toUpperCase() };
      },
    };
    const { channel } = await serve((server) => server.register(EchoService, echo as unknown as ServiceImpl<DescService>));
    const client = createGrpcClient(EchoService, channel) as unknown as {
      chat(requests: AsyncIterable<{ text: string }>): AsyncIterable<{ text: string }>;
    };
    async function* say() {
      yield { text: 'a' };
      yield { text: 'b' };
    }
    const replies: string[] = [];
    for await (const reply of client.chat(say())) replies.push(reply.text);
    expect(replies).toEqual(['A', 'B']);
  });

  it('maps a TributaryError to its status code and message, keeping its retryability', async () => {
    const { channel } = await serve((server) =>
      server.register(InferenceService, {
        predict: (request) => {
          if (request.modelName === 'gone') throw new TributaryError(Code.NotFound, 'no model "gone"');
          throw new TributaryError(Code.Unavailable, 'store down for good', { retryable: false });
        },
        predictBatch: unimplemented,
      }),
    );
    const client = createGrpcClient(InferenceService, channel);
    const notFound = await client.predict({ modelName: 'gone' }).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(RemoteCallError);
    expect(notFound).toMatchObject({ code: Code.NotFound, message: 'no model "gone"', retryable: false, method: '/tributary.v1.InferenceService/Predict' });
    const unavailable = await client.predict({ modelName: 'x' }).catch((error: unknown) => error);
    expect(unavailable).toMatchObject({ code: Code.Unavailable, retryable: false });
  });

  it('turns an unexpected error into INTERNAL without leaking its message or stack', async () => {
    const { channel } = await serve(
      (server) =>
        server.register(InferenceService, {
          predict: () => {
            throw new Error('password=hunter2 at /srv/secret.ts:12');
          },
          predictBatch: unimplemented,
        }),
      { logger: silentLogger() },
    );
    const error = await createGrpcClient(InferenceService, channel)
      .predict({ modelName: 'm' })
      .then(
        () => expect.fail('the call should fail'),
        (reason: unknown) => reason as RemoteCallError,
      );
    expect(error.code).toBe(Code.Internal);
    expect(error.message).toBe('internal error');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('hunter2');
  });

  it('fails with DEADLINE_EXCEEDED when the client deadline passes, and aborts the handler', async () => {
    let handlerAbortCode: Code | undefined;
    let remainingAtStartMs = 0;
    const { channel } = await serve((server) =>
      server.register(InferenceService, {
        predict: async (_request, context) => {
          remainingAtStartMs = context.timeRemainingMs();
          await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
          handlerAbortCode = (context.signal.reason as TributaryError).code;
          return {};
        },
        predictBatch: unimplemented,
      }),
    );
    const started = Date.now();
    const error = await createGrpcClient(InferenceService, channel)
      .predict({ modelName: 'slow' }, { timeoutMs: 100 })
      .catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: Code.DeadlineExceeded, retryable: true });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(remainingAtStartMs).toBeGreaterThan(0);
    expect(remainingAtStartMs).toBeLessThanOrEqual(100);
    await expect.poll(() => handlerAbortCode).toBe(Code.DeadlineExceeded);
  });

  it('cancels a call when the caller aborts its signal', async () => {
    const { channel } = await serve((server) =>
      server.register(InferenceService, {
        predict: (_request, context) => new Promise((resolve) => context.signal.addEventListener('abort', () => resolve({}))),
        predictBatch: unimplemented,
      }),
    );
    const controller = new AbortController();
    const pending = createGrpcClient(InferenceService, channel).predict({ modelName: 'm' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: Code.Cancelled });
  });

  it('lets an in-flight call finish during a graceful shutdown, then refuses new calls', async () => {
    let release: () => void = () => undefined;
    const entered = deferred();
    const { server, channel } = await serve((server) =>
      server.register(InferenceService, {
        predict: async () => {
          entered.resolve();
          await new Promise<void>((resolve) => (release = resolve));
          return { probability: 0.5 };
        },
        predictBatch: unimplemented,
      }),
    );
    const client = createGrpcClient(InferenceService, channel);
    const inFlight = client.predict({ modelName: 'm' });
    await entered.promise;
    let stopped = false;
    const stopping = server.shutdown().then(() => (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false);
    expect(server.health.getStatus('tributary.v1.InferenceService')).toBe('NOT_SERVING');
    release();
    await expect(inFlight).resolves.toMatchObject({ probability: 0.5 });
    await stopping;
    const afterwards = createGrpcChannel({ address: channel.options.address });
    await expect(createGrpcClient(InferenceService, afterwards).predict({ modelName: 'm' }, { timeoutMs: 1_000 })).rejects.toMatchObject({
      code: Code.Unavailable,
    });
    afterwards.close();
  });

  it('aborts calls still running when the shutdown timeout passes', async () => {
    let abortReason: unknown;
    const entered = deferred();
    const { server, channel } = await serve(
      (server) =>
        server.register(InferenceService, {
          predict: (_request, context) =>
            new Promise((_resolve, reject) => {
              entered.resolve();
              context.signal.addEventListener('abort', () => {
                abortReason = context.signal.reason;
                reject(context.signal.reason as Error);
              });
            }),
          predictBatch: unimplemented,
        }),
      { shutdownTimeoutMs: 100, logger: silentLogger() },
    );
    const pending = createGrpcClient(InferenceService, channel)
      .predict({ modelName: 'm' })
      .catch((error: unknown) => error);
    await entered.promise;
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(abortReason).toMatchObject({ name: 'ServerShutdownError', code: Code.Unavailable });
    await expect(pending).resolves.toMatchObject({ code: Code.Unavailable });
  });

  it('is idempotent in start() and shutdown()', async () => {
    const server = createGrpcServer({ address: '127.0.0.1:0' });
    const [first, second] = await Promise.all([server.start(), server.start()]);
    expect(first).toBe(second);
    await Promise.all([server.shutdown(), server.shutdown()]);
    await server.shutdown();
  });

  it('counts calls by method and code in the shared registry', async () => {
    const { channel } = await serve((server) => server.register(InferenceService, inference));
    const client = createGrpcClient(InferenceService, channel);
    await client.predict({ modelName: 'm' });
    const metrics = await getMetricsRegistry().getMetricsAsJSON();
    const handled = metrics.find((metric) => metric.name === 'grpc_server_handled_total');
    expect(handled?.values).toContainEqual(
      expect.objectContaining({ labels: { grpc_service: 'tributary.v1.InferenceService', grpc_method: 'Predict', grpc_code: 'OK' } }),
    );
    expect(metrics.map((metric) => metric.name)).toEqual(
      expect.arrayContaining(['grpc_server_handling_seconds', 'grpc_client_handled_total', 'grpc_client_handling_seconds']),
    );
  });
});

/** A promise with its resolve function, for a test to wait until a handler is reached. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

function silentLogger() {
  return createLogger({ name: 'grpc-test', level: 'silent' });
}
