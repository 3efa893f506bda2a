import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  ApproveModelVersionRequestSchema,
  DeleteAliasRequestSchema,
  DownloadArtifactRequestSchema,
  GetAuditHistoryRequestSchema,
  GetModelVersionRequestSchema,
  ListModelVersionsRequestSchema,
  ModelLifecycleEventType,
  RegisterModelVersionRequestSchema,
  LineageSchema,
  ModelVersionUploadSchema,
  SetAliasRequestSchema,
  type ModelVersionUpload,
  type RegisterModelVersionRequest,
} from '@tributary/contracts';
import { Code } from '@tributary/errors';
import { createTestRegistry, type TestRegistry } from '@tributary/model-registry/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRegistryService, type RegistryServiceHandlers } from './registry-service.js';

const MODEL = 'flight-delay';

function artifact(n: number, sizeBytes = 3000): Uint8Array {
  return Uint8Array.from({ length: sizeBytes }, (_, i) => (i * 13 + n * 101) & 0xff);
}

function metadata(bytes: Uint8Array): ModelVersionUpload {
  return create(ModelVersionUploadSchema, {
    modelName: MODEL,
    modelType: 'gbdt',
    featureNames: ['distance', 'route_late_share_1d'],
    metrics: { auc: 0.71 },
    params: { learning_rate: '0.1' },
    lineage: {
      trainingWindow: { startTime: timestampFromMs(Date.UTC(2001, 0, 1)), endTime: timestampFromMs(Date.UTC(2001, 4, 1)) },
      featureDefinitionsHash: 'ab'.repeat(32),
      codeVersion: 'test',
      trainingRowCount: 1000,
    },
    referenceProfile: { rowCount: 1000, features: [{ featureName: 'distance', count: 1000 }] },
    artifactSha256: createHash('sha256').update(bytes).digest('hex'),
    artifactSizeBytes: BigInt(bytes.byteLength),
    artifactFormat: 'onnx',
    createdBy: 'trainer',
  });
}

/** An upload as a client streams it: metadata, then the bytes in slices. */
async function* upload(meta: ModelVersionUpload, bytes: Uint8Array, sliceBytes = 1024): AsyncGenerator<RegisterModelVersionRequest> {
  yield create(RegisterModelVersionRequestSchema, { content: { case: 'metadata', value: meta } });
  for (let offset = 0; offset < bytes.byteLength; offset += sliceBytes) {
    yield create(RegisterModelVersionRequestSchema, { content: { case: 'chunk', value: bytes.subarray(offset, offset + sliceBytes) } });
  }
}

describe('createRegistryService()', () => {
  let test: TestRegistry;
  let service: RegistryServiceHandlers;

  beforeEach(async () => {
    test = await createTestRegistry();
    service = createRegistryService({ registry: test.registry, now: () => Date.UTC(2001, 6, 1) });
  });
  afterEach(async () => {
    await test.close();
  });

  const register = (n: number) => service.registerModelVersion(upload(metadata(artifact(n)), artifact(n)));
  const get = (selector: { case: 'version'; value: number } | { case: 'alias'; value: string }) =>
    service.getModelVersion(create(GetModelVersionRequestSchema, { modelName: MODEL, selector }));

  it('registers a streamed upload and serves it by number and by alias, reference profile included', async () => {
    const { modelVersion } = await register(1);
    expect(modelVersion).toMatchObject({ modelName: MODEL, version: 1, artifactSizeBytes: 3000n, createdBy: 'trainer', aliases: [] });
    await service.approveModelVersion(create(ApproveModelVersionRequestSchema, { modelName: MODEL, version: 1, approvedBy: 'bob', reason: 'holdout AUC 0.71' }));
    await service.setAlias(create(SetAliasRequestSchema, { modelName: MODEL, alias: 'champion', version: 1, expectedVersion: 0, actor: 'ci', reason: 'first' }));
    const byAlias = (await get({ case: 'alias', value: 'champion' })).modelVersion;
    expect(byAlias).toMatchObject({
      version: 1,
      aliases: ['champion'],
      approval: { approvedBy: 'bob', reason: 'holdout AUC 0.71' },
      lineage: { codeVersion: 'test', trainingRowCount: 1000, parentVersion: 0 },
      referenceProfile: { rowCount: 1000, features: [{ featureName: 'distance', count: 1000 }] },
    });
    expect(byAlias?.lineage?.trainingWindow?.startTime).toEqual(timestampFromMs(Date.UTC(2001, 0, 1)));
    expect((await get({ case: 'version', value: 1 })).modelVersion?.artifactSha256).toBe(modelVersion?.artifactSha256);
  });

  it('streams an artifact back: its description first, then exactly the bytes uploaded', async () => {
    await register(1);
    const responses = [];
    for await (const response of service.downloadArtifact(create(DownloadArtifactRequestSchema, { modelName: MODEL, selector: { case: 'version', value: 1 } }))) {
      responses.push(response);
    }
    const [info, ...chunks] = responses;
    expect(info?.content).toMatchObject({ case: 'info', value: { version: 1, artifactSizeBytes: 3000n, artifactFormat: 'onnx' } });
    expect(Buffer.concat(chunks.map((chunk) => chunk.content?.value as Uint8Array))).toEqual(Buffer.from(artifact(1)));
  });

  it('rejects a corrupted upload with INVALID_ARGUMENT and keeps nothing of it', async () => {
    const corrupted = artifact(2);
    await expect(service.registerModelVersion(upload(metadata(artifact(1)), corrupted))).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(get({ case: 'version', value: 1 })).rejects.toMatchObject({ code: Code.NotFound });
    const files = await readdir(test.artifactDirectory, { recursive: true, withFileTypes: true });
    expect(files.filter((entry) => entry.isFile())).toEqual([]);
  });

  it('answers INVALID_ARGUMENT for malformed uploads and requests', async () => {
    const bytes = artifact(1);
    const cases: AsyncIterable<RegisterModelVersionRequest>[] = [
      upload({ ...metadata(bytes), artifactSha256: '' }, bytes),
      upload({ ...metadata(bytes), modelName: 'Flight Delay' }, bytes),
      upload({ ...metadata(bytes), artifactSizeBytes: 0n }, bytes),
      upload({ ...metadata(bytes), lineage: create(LineageSchema, { codeVersion: 'x' }) }, bytes),
      (async function* () {
        yield create(RegisterModelVersionRequestSchema, { content: { case: 'chunk', value: bytes } });
      })(),
    ];
    for (const requests of cases) await expect(service.registerModelVersion(requests)).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(service.getModelVersion(create(GetModelVersionRequestSchema, { modelName: MODEL }))).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(service.listModelVersions(create(ListModelVersionsRequestSchema, { modelName: MODEL, pageToken: 'x' }))).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });

  it('answers ALREADY_EXISTS when the same artifact is registered again', async () => {
    await register(1);
    await expect(register(1)).rejects.toMatchObject({ code: Code.AlreadyExists });
  });

  it('refuses to move champion to an unapproved version with FAILED_PRECONDITION, and moves it once approved', async () => {
    await register(1);
    const promote = create(SetAliasRequestSchema, { modelName: MODEL, alias: 'champion', version: 1, expectedVersion: 0, actor: 'ci', reason: 'better' });
    await expect(service.setAlias(promote)).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await service.approveModelVersion(create(ApproveModelVersionRequestSchema, { modelName: MODEL, version: 1, approvedBy: 'bob', reason: 'ok' }));
    expect(await service.setAlias(promote)).toMatchObject({ alias: { alias: 'champion', version: 1, updatedBy: 'ci' }, previousVersion: 0 });
    await expect(service.setAlias({ ...promote, expectedVersion: 1 })).resolves.toMatchObject({ previousVersion: 1 });
    await expect(service.setAlias(create(SetAliasRequestSchema, { ...promote, expectedVersion: 0, alias: 'shadow', version: 9 }))).rejects.toMatchObject({
      code: Code.NotFound,
    });
  });

  it('fails compare-and-set moves and deletions with ABORTED when the alias moved meanwhile', async () => {
    await register(1);
    await register(2);
    await service.setAlias(create(SetAliasRequestSchema, { modelName: MODEL, alias: 'challenger', version: 1, expectedVersion: 0, actor: 'a', reason: 'r' }));
    await expect(
      service.setAlias(create(SetAliasRequestSchema, { modelName: MODEL, alias: 'challenger', version: 2, expectedVersion: 0, actor: 'b', reason: 'r' })),
    ).rejects.toMatchObject({ code: Code.Aborted });
    await expect(
      service.deleteAlias(create(DeleteAliasRequestSchema, { modelName: MODEL, alias: 'challenger', expectedVersion: 2, actor: 'b', reason: 'r' })),
    ).rejects.toMatchObject({ code: Code.Aborted });
    expect(
      await service.deleteAlias(create(DeleteAliasRequestSchema, { modelName: MODEL, alias: 'challenger', expectedVersion: 1, actor: 'b', reason: 'r' })),
    ).toMatchObject({ previousVersion: 1 });
  });

  it('pages through versions newest first and through the audit history oldest first', async () => {
    for (let n = 1; n <= 3; n++) await register(n);
    const first = await service.listModelVersions(create(ListModelVersionsRequestSchema, { modelName: MODEL, pageSize: 2 }));
    expect(first.modelVersions?.map((v) => v.version)).toEqual([3, 2]);
    const second = await service.listModelVersions(create(ListModelVersionsRequestSchema, { modelName: MODEL, pageSize: 2, pageToken: first.nextPageToken ?? '' }));
    expect(second.modelVersions?.map((v) => v.version)).toEqual([1]);
    expect(second.nextPageToken).toBe('');

    await service.approveModelVersion(create(ApproveModelVersionRequestSchema, { modelName: MODEL, version: 2, approvedBy: 'bob', reason: 'ok' }));
    const approvedOnly = await service.listModelVersions(create(ListModelVersionsRequestSchema, { modelName: MODEL, approvedOnly: true }));
    expect(approvedOnly.modelVersions?.map((v) => v.version)).toEqual([2]);

    const history = await service.getAuditHistory(create(GetAuditHistoryRequestSchema, { modelName: MODEL, pageSize: 3 }));
    expect(history.events?.map((event) => [event.sequence, event.type])).toEqual([
      [1, ModelLifecycleEventType.REGISTERED],
      [2, ModelLifecycleEventType.REGISTERED],
      [3, ModelLifecycleEventType.REGISTERED],
    ]);
    const rest = await service.getAuditHistory(create(GetAuditHistoryRequestSchema, { modelName: MODEL, pageSize: 3, pageToken: history.nextPageToken ?? '' }));
    expect(rest.events?.map((event) => [event.sequence, event.type, event.actor])).toEqual([[4, ModelLifecycleEventType.APPROVED, 'bob']]);
    expect(rest.nextPageToken).toBe('');
  });
});
