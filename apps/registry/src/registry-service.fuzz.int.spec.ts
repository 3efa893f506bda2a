/**
 * Fuzzing of the registry's gRPC edge on a real Redis (a key prefix and an
 * artifact directory of its own): every RPC called in-process with generated
 * model names, versions, aliases, metadata and artifact uploads, and garbage
 * bytes on the wire to a real server on port 0. A call succeeds or is
 * refused with a status that blames the request and a message (naming the
 * field when one is at fault), and a refused call changes nothing: the
 * versions, aliases and audit history of the model it named stay as they were.
 */
import { createHash } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  ApproveModelVersionRequestSchema,
  DeleteAliasRequestSchema,
  DownloadArtifactRequestSchema,
  GetAuditHistoryRequestSchema,
  GetModelVersionRequestSchema,
  ListModelVersionsRequestSchema,
  ModelRegistryService,
  ModelVersionUploadSchema,
  RegisterModelVersionRequestSchema,
  SetAliasRequestSchema,
  type RegisterModelVersionRequest,
} from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { assertEdgeHolds, createRawGrpcCaller, grpcWireEdge, hostileText, type FuzzEdge } from '@tributary/fuzz';
import { createGrpcServer, methodPath } from '@tributary/grpc';
import { createTestRegistry, type TestRegistry } from '@tributary/model-registry/testing';
import { createLogger } from '@tributary/observability';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryService, type RegistryServiceHandlers } from './registry-service.js';

/** The model whose state a refused call must leave alone; generated calls name it often. */
const BASE = 'fuzz-base';
const REFUSALS = new Set([Code.InvalidArgument, Code.NotFound, Code.AlreadyExists, Code.FailedPrecondition, Code.Aborted, Code.OutOfRange, Code.ResourceExhausted]);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const modelName = fc.oneof(fc.constant(BASE), fc.constantFrom('fuzz-other', 'a', 'fuzz-base-2'), hostileText());
const alias = fc.oneof(fc.constantFrom('champion', 'challenger', 'shadow'), hostileText());
const version = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const timestamp = fc.oneof(
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2002, 0, 1) }).map(timestampFromMs),
  fc.record({ seconds: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), nanos: fc.integer() }),
);
const number = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0.71));

/** An upload: metadata (sometimes missing or not first) and artifact bytes that match what it declares, or not. */
const upload = fc
  .record({
    modelName,
    modelType: fc.oneof(fc.constantFrom('gbdt', 'logistic_regression'), hostileText()),
    featureNames: fc.array(hostileText({ maxLength: 12 }), { maxLength: 4 }),
    metrics: fc.dictionary(hostileText({ maxLength: 12 }), number, { maxKeys: 3 }),
    params: fc.dictionary(hostileText({ maxLength: 12 }), hostileText({ maxLength: 12 }), { maxKeys: 3 }),
    tags: fc.dictionary(hostileText({ maxLength: 12 }), hostileText({ maxLength: 12 }), { maxKeys: 3 }),
    window: fc.option(fc.record({ startTime: fc.option(timestamp, { nil: undefined }), endTime: fc.option(timestamp, { nil: undefined }) }), { nil: undefined }),
    parentVersion: version,
    artifactFormat: fc.oneof(fc.constant('onnx'), hostileText()),
    createdBy: hostileText(),
    artifact: fc.uint8Array({ maxLength: 300 }),
    declared: fc.constantFrom('honest', 'wrong-digest', 'wrong-size', 'no-size', 'bad-digest-text'),
    shape: fc.constantFrom('metadata-first', 'metadata-first', 'metadata-first', 'chunk-first', 'metadata-only', 'two-metadata'),
  })
  .map((u): RegisterModelVersionRequest[] => {
    const digest = { honest: sha256(u.artifact), 'wrong-digest': sha256(Uint8Array.of(1, ...u.artifact)), 'wrong-size': sha256(u.artifact), 'no-size': sha256(u.artifact), 'bad-digest-text': 'not-hex' }[u.declared];
    const size = u.declared === 'wrong-size' ? BigInt(u.artifact.length + 1) : u.declared === 'no-size' ? 0n : BigInt(u.artifact.length);
    const metadata = create(ModelVersionUploadSchema, {
      modelName: u.modelName,
      modelType: u.modelType,
      featureNames: u.featureNames,
      metrics: u.metrics,
      params: u.params,
      tags: u.tags,
      ...(u.window ? { lineage: { trainingWindow: u.window, featureDefinitionsHash: 'ab', codeVersion: 'fuzz', parentVersion: u.parentVersion } } : {}),
      artifactSha256: digest,
      artifactSizeBytes: size,
      artifactFormat: u.artifactFormat,
      createdBy: u.createdBy,
    });
    const meta = create(RegisterModelVersionRequestSchema, { content: { case: 'metadata', value: metadata } });
    const chunk = create(RegisterModelVersionRequestSchema, { content: { case: 'chunk', value: u.artifact } });
    return { 'metadata-first': [meta, chunk], 'chunk-first': [chunk, meta], 'metadata-only': [meta], 'two-metadata': [meta, meta, chunk] }[u.shape];
  });

type Call = (service: RegistryServiceHandlers) => Promise<unknown>;
const selector = fc.oneof(
  version.map((value) => ({ case: 'version' as const, value })),
  alias.map((value) => ({ case: 'alias' as const, value })),
  fc.constant({ case: undefined }),
);
/** One generated call of any RPC: the model it names, its request (for the report) and how to make it. */
interface GeneratedCall {
  readonly model: string;
  readonly rpc: string;
  readonly request: unknown;
  readonly run: Call;
}
const call: fc.Arbitrary<GeneratedCall> = fc.oneof(
  upload.map((messages) => ({
    model: messages.flatMap((m) => (m.content.case === 'metadata' ? [m.content.value.modelName] : []))[0] ?? '',
    rpc: 'RegisterModelVersion',
    request: messages,
    run: (s: RegistryServiceHandlers) =>
      s.registerModelVersion(
        (async function* () {
          yield* messages;
        })(),
      ),
  })),
  fc.record({ modelName, selector }).map((r) => ({ model: r.modelName, rpc: 'GetModelVersion', request: r, run: (s: RegistryServiceHandlers) => s.getModelVersion(create(GetModelVersionRequestSchema, r)) })),
  fc
    .record({ modelName, pageSize: fc.integer(), pageToken: fc.oneof(fc.constant(''), fc.nat().map(String), hostileText()), tags: fc.dictionary(hostileText({ maxLength: 8 }), hostileText({ maxLength: 8 }), { maxKeys: 2 }), approvedOnly: fc.boolean() })
    .map((r) => ({ model: r.modelName, rpc: 'ListModelVersions', request: r, run: (s: RegistryServiceHandlers) => s.listModelVersions(create(ListModelVersionsRequestSchema, r)) })),
  fc
    .record({ modelName, alias, version, expectedVersion: fc.option(version, { nil: undefined }), actor: hostileText(), reason: hostileText() })
    .map((r) => ({ model: r.modelName, rpc: 'SetAlias', request: r, run: (s: RegistryServiceHandlers) => s.setAlias(create(SetAliasRequestSchema, r)) })),
  fc
    .record({ modelName, alias, expectedVersion: fc.option(version, { nil: undefined }), actor: hostileText(), reason: hostileText() })
    .map((r) => ({ model: r.modelName, rpc: 'DeleteAlias', request: r, run: (s: RegistryServiceHandlers) => s.deleteAlias(create(DeleteAliasRequestSchema, r)) })),
  fc
    .record({ modelName, version, approvedBy: hostileText(), reason: hostileText() })
    .map((r) => ({ model: r.modelName, rpc: 'ApproveModelVersion', request: r, run: (s: RegistryServiceHandlers) => s.approveModelVersion(create(ApproveModelVersionRequestSchema, r)) })),
  fc
    .record({ modelName, pageSize: fc.integer(), pageToken: fc.oneof(fc.constant(''), fc.constantFrom('1-0', '99999999999999-0'), hostileText()) })
    .map((r) => ({ model: r.modelName, rpc: 'GetAuditHistory', request: r, run: (s: RegistryServiceHandlers) => s.getAuditHistory(create(GetAuditHistoryRequestSchema, r)) })),
  fc.record({ modelName, selector }).map((r) => ({
    model: r.modelName,
    rpc: 'DownloadArtifact',
    request: r,
    run: async (s: RegistryServiceHandlers) => {
      for await (const _ of s.downloadArtifact(create(DownloadArtifactRequestSchema, r))) void _;
    },
  })),
);

describe('registry gRPC fuzzing', () => {
  const logger = createLogger({ name: 'registry-fuzz', level: 'silent' });
  let test: TestRegistry;
  let service: RegistryServiceHandlers;

  /** What a refused call must leave unchanged: the model's versions (aliases, approvals included) and its audit history. */
  async function stateOf(model: string): Promise<unknown> {
    // A name the registry refuses to read (not found, or not a model name) holds nothing a call could change.
    const read = async (fn: () => Promise<unknown>) => fn().catch((error: unknown) => (error instanceof TributaryError && REFUSALS.has(error.code) ? `refused: ${error.message}` : Promise.reject(error)));
    return {
      versions: await read(() => service.listModelVersions(create(ListModelVersionsRequestSchema, { modelName: model, pageSize: 1000 }))),
      audit: await read(() => service.getAuditHistory(create(GetAuditHistoryRequestSchema, { modelName: model, pageSize: 1000 }))),
    };
  }

  beforeAll(async () => {
    test = await createTestRegistry();
    service = createRegistryService({ registry: test.registry, now: () => Date.UTC(2001, 6, 1) });
    // The accepted data: a version of BASE, approved and champion.
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const metadata = create(ModelVersionUploadSchema, {
      modelName: BASE,
      modelType: 'gbdt',
      metrics: { auc: 0.7 },
      lineage: { trainingWindow: { startTime: timestampFromMs(Date.UTC(2001, 0, 1)), endTime: timestampFromMs(Date.UTC(2001, 4, 1)) }, featureDefinitionsHash: 'ab', codeVersion: 'fuzz' },
      artifactSha256: sha256(bytes),
      artifactSizeBytes: BigInt(bytes.length),
      artifactFormat: 'onnx',
      createdBy: 'fuzz',
    });
    await service.registerModelVersion(
      (async function* () {
        yield create(RegisterModelVersionRequestSchema, { content: { case: 'metadata', value: metadata } });
        yield create(RegisterModelVersionRequestSchema, { content: { case: 'chunk', value: bytes } });
      })(),
    );
    await service.approveModelVersion(create(ApproveModelVersionRequestSchema, { modelName: BASE, version: 1, approvedBy: 'fuzz', reason: 'base' }));
    await service.setAlias(create(SetAliasRequestSchema, { modelName: BASE, alias: 'champion', version: 1, expectedVersion: 0, actor: 'fuzz', reason: 'base' }));
  });
  afterAll(async () => {
    await test?.close();
  });

  it('answers every generated call or refuses it clearly, and a refused call changes nothing', () => {
    const edge: FuzzEdge<GeneratedCall> = {
      name: 'registry RPCs',
      input: call,
      async check({ model, rpc, run }) {
        const before = await stateOf(model);
        try {
          await run(service);
          return;
        } catch (error) {
          if (!(error instanceof TributaryError) || !REFUSALS.has(error.code)) throw error;
          expect(error.message.trim(), `${rpc} refused without a message`).not.toBe('');
        }
        expect(await stateOf(model), `${rpc} was refused but changed ${JSON.stringify(model)}`).toEqual(before);
      },
    };
    return assertEdgeHolds(edge);
  });

  describe('on the wire', () => {
    const server = createGrpcServer({ address: '127.0.0.1:0', logger });
    let caller: ReturnType<typeof createRawGrpcCaller>;

    beforeAll(async () => {
      server.register(ModelRegistryService, service);
      caller = createRawGrpcCaller(`127.0.0.1:${await server.start()}`);
    });
    afterAll(async () => {
      caller?.close();
      await server.shutdown();
    });

    it('answers garbage bytes with a clear status and keeps serving', () => {
      const byVersion = { modelName: BASE, selector: { case: 'version' as const, value: 1 } };
      const m = ModelRegistryService.method;
      return assertEdgeHolds(
        grpcWireEdge({
          name: 'registry grpc wire',
          caller,
          methods: [
            { path: methodPath(m.getModelVersion), kind: 'unary', valid: toBinary(GetModelVersionRequestSchema, create(GetModelVersionRequestSchema, byVersion)) },
            { path: methodPath(m.listModelVersions), kind: 'unary', valid: toBinary(ListModelVersionsRequestSchema, create(ListModelVersionsRequestSchema, { modelName: BASE })) },
            { path: methodPath(m.setAlias), kind: 'unary', valid: toBinary(SetAliasRequestSchema, create(SetAliasRequestSchema, { modelName: BASE, alias: 'champion', version: 1, actor: 'fuzz' })) },
            { path: methodPath(m.getAuditHistory), kind: 'unary', valid: toBinary(GetAuditHistoryRequestSchema, create(GetAuditHistoryRequestSchema, { modelName: BASE })) },
            { path: methodPath(m.downloadArtifact), kind: 'server-stream', valid: toBinary(DownloadArtifactRequestSchema, create(DownloadArtifactRequestSchema, byVersion)) },
            {
              path: methodPath(m.registerModelVersion),
              kind: 'client-stream',
              valid: toBinary(RegisterModelVersionRequestSchema, create(RegisterModelVersionRequestSchema, { content: { case: 'metadata', value: { modelName: 'fuzz-wire', artifactSha256: sha256(new Uint8Array(4)), artifactSizeBytes: 4n } } })),
            },
          ],
        }),
      );
    });
  });
});
