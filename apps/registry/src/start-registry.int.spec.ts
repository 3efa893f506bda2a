import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  Health,
  HealthCheckResponse_ServingStatus,
  ModelLifecycleEventSchema,
  ModelLifecycleEventType,
  ModelRegistryService,
  type RegisterModelVersionRequestSchema,
} from '@tributary/contracts';
import { loadConfig } from '@tributary/config';
import { Code } from '@tributary/errors';
import { createGrpcChannel, createGrpcClient, type GrpcChannel } from '@tributary/grpc';
import { createKafkaClient, topics } from '@tributary/kafka';
import { createTestTopics, readRecords } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import { createLifecycle, type Lifecycle } from '@tributary/runtime';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from './start-registry.js';
import { registryConfigSchema } from './registry-config.js';

const MODEL = 'flight-delay';
const silent = createLogger({ name: 'registry-test', level: 'silent' });

function artifact(n: number): Uint8Array {
  return Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7 + n) & 0xff);
}

/** A client-streamed upload: metadata declaring `declared`, then the bytes of `sent` in slices. */
async function* upload(declared: Uint8Array, sent = declared): AsyncGenerator<MessageInitShape<typeof RegisterModelVersionRequestSchema>> {
  yield {
    content: {
      case: 'metadata',
      value: {
        modelName: MODEL,
        artifactSha256: createHash('sha256').update(declared).digest('hex'),
        artifactSizeBytes: BigInt(declared.byteLength),
        artifactFormat: 'onnx',
        createdBy: 'trainer',
        lineage: {
          trainingWindow: { startTime: timestampFromMs(Date.UTC(2001, 0, 1)), endTime: timestampFromMs(Date.UTC(2001, 4, 1)) },
          featureDefinitionsHash: 'features',
          codeVersion: 'test',
        },
      },
    },
  };
  for (let offset = 0; offset < sent.byteLength; offset += 8192) yield { content: { case: 'chunk', value: sent.subarray(offset, offset + 8192) } };
}

describe('startRegistry()', () => {
  const kafka = createKafkaClient({ clientId: 'start-registry-test', logger: silent });
  const testTopics = createTestTopics(kafka);
  const keyPrefix = `test:start-registry:${randomUUID()}`;
  const exitCodes: number[] = [];
  let artifactDirectory: string;
  let lifecycle: Lifecycle;
  let running: RunningRegistry;
  let lifecycleTopic: string;
  let channel: GrpcChannel;

  beforeAll(async () => {
    artifactDirectory = await mkdtemp(join(tmpdir(), 'start-registry-'));
    const topic = await testTopics.create(topics.modelLifecycle);
    lifecycleTopic = topic.name;
    const config = loadConfig(registryConfigSchema, {
      ...process.env,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      OPS_HOST: '127.0.0.1',
      OPS_PORT: '0',
      REGISTRY_ARTIFACT_DIR: artifactDirectory,
      REGISTRY_KEY_PREFIX: keyPrefix,
      REGISTRY_LIFECYCLE_TOPIC: topic.name,
    });
    lifecycle = createLifecycle({ logger: silent, signals: [], exit: (code) => exitCodes.push(code) });
    running = await startRegistry({ config, lifecycle, logger: silent });
    lifecycle.markReady(); // as runService does once the start resolves
    channel = createGrpcChannel({ address: `127.0.0.1:${running.grpcPort}`, timeoutMs: 10_000 });
  });

  afterAll(async () => {
    channel.close();
    await lifecycle.shutdown('test over');
    const redis = new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379');
    for await (const keys of redis.scanStream({ match: `${keyPrefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
    await testTopics.deleteAll();
    await rm(artifactDirectory, { recursive: true, force: true });
  });

  it('serves grpc.health and the ops endpoints', async () => {
    await expect(createGrpcClient(Health, channel).check({ service: ModelRegistryService.typeName })).resolves.toMatchObject({
      status: HealthCheckResponse_ServingStatus.SERVING,
    });
    const ready = await fetch(`http://127.0.0.1:${running.opsPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { lifecycle: { status: 'up' }, redis: { status: 'up' } } });
    expect(await (await fetch(`http://127.0.0.1:${running.opsPort}/metrics`)).text()).toContain('tributary_registry_operation_seconds');
  });

  it('registers, approves, promotes and downloads over gRPC, with the status codes clients act on', async () => {
    const client = createGrpcClient(ModelRegistryService, channel);

    const corrupted = artifact(2);
    await expect(client.registerModelVersion(upload(artifact(1), corrupted))).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect((await readdir(artifactDirectory, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())).toEqual([]);

    const { modelVersion } = await client.registerModelVersion(upload(artifact(1)));
    expect(modelVersion).toMatchObject({ modelName: MODEL, version: 1, artifactSizeBytes: 20_000n });
    await expect(client.registerModelVersion(upload(artifact(1)))).rejects.toMatchObject({ code: Code.AlreadyExists });
    await expect(client.getModelVersion({ modelName: MODEL, selector: { case: 'version', value: 7 } })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(client.getModelVersion({ modelName: 'Not A Name', selector: { case: 'version', value: 1 } })).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });

    const promote = { modelName: MODEL, alias: 'champion', version: 1, expectedVersion: 0, actor: 'ci', reason: 'better AUC' };
    await expect(client.setAlias(promote)).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await client.approveModelVersion({ modelName: MODEL, version: 1, approvedBy: 'bob', reason: 'reviewed' });
    await expect(client.setAlias(promote)).resolves.toMatchObject({ alias: { version: 1 }, previousVersion: 0 });
    await expect(client.setAlias(promote)).rejects.toMatchObject({ code: Code.Aborted });

    const downloaded: Uint8Array[] = [];
    let info: unknown;
    for await (const response of client.downloadArtifact({ modelName: MODEL, selector: { case: 'alias', value: 'champion' } })) {
      if (response.content.case === 'info') info = response.content.value;
      if (response.content.case === 'chunk') downloaded.push(response.content.value);
    }
    expect(info).toMatchObject({ version: 1, artifactSizeBytes: 20_000n });
    expect(Buffer.concat(downloaded)).toEqual(Buffer.from(artifact(1)));

    // Every change reached Kafka, in order: registered, approved, alias set.
    await running.registry.flushLifecycleEvents();
    const records = await readRecords(kafka, lifecycleTopic, 3);
    const events = records.map((record) => fromBinary(ModelLifecycleEventSchema, record.value ?? new Uint8Array()));
    expect(events.map((event) => [event.sequence, event.type])).toEqual([
      [1, ModelLifecycleEventType.REGISTERED],
      [2, ModelLifecycleEventType.APPROVED],
      [3, ModelLifecycleEventType.ALIAS_SET],
    ]);
    const history = await client.getAuditHistory({ modelName: MODEL });
    expect(history.events.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
  });

  it('drains and closes everything on shutdown, reporting a clean exit', async () => {
    await lifecycle.shutdown('test');
    expect(exitCodes).toEqual([0]);
    await expect(fetch(`http://127.0.0.1:${running.opsPort}/healthz`)).rejects.toThrow();
  });
});
