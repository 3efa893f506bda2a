// Runs built services: `npm test` builds every project first (tools/bootstrap.mjs).
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { GRPCInferenceService, ModelRegistryService } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient, type GrpcChannel } from '@tributary/grpc';
import { onFreePorts, startLocalServices, type LocalServiceDefinition, type LocalServices } from '@tributary/infra';
import { createKafkaClient } from '@tributary/kafka';
import { uniqueName } from '@tributary/kafka/testing';
import { createGrpcRegistryClient } from '@tributary/model-registry/client';
import { createLogger } from '@tributary/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPlatformStatus, formatPlatformStatus, servedVersionsFromInference, type PlatformStatus, type PlatformStatusOptions } from './index.js';

const definition = (name: string): Promise<LocalServiceDefinition> => onFreePorts({ name, grpcPort: 0, opsPort: 0 });
const opsUrl = (service: LocalServiceDefinition) => `http://127.0.0.1:${service.opsPort}`;

const model = uniqueName('status-model');
const kafka = createKafkaClient({ clientId: 'operations-status-test', logger: createLogger({ name: 'operations-status-test', level: 'silent' }) });
const logDir = mkdtempSync(join(tmpdir(), 'platform-status-'));
const channels: GrpcChannel[] = [];
let registry: LocalServiceDefinition;
let inference: LocalServiceDefinition;
let driftMonitor: LocalServiceDefinition;
let ingestion: LocalServiceDefinition;
let running: LocalServices;
let driftRunning: LocalServices;
let options: PlatformStatusOptions;
const topic = uniqueName('test.status-lag');
const groupId = uniqueName('test.status-group');

beforeAll(async () => {
  [registry, inference, driftMonitor, ingestion] = await Promise.all([
    definition('registry'),
    onFreePorts({ name: 'inference', grpcPort: 0, opsPort: 0, restPort: 0 }),
    definition('drift-monitor'),
    definition('ingestion'),
  ]);
  const env = {
    ...process.env,
    LOG_LEVEL: 'warn',
    REGISTRY_KEY_PREFIX: uniqueName('test:status-registry'),
    REGISTRY_ARTIFACT_DIR: join(logDir, 'artifacts'),
    REGISTRY_APPROVAL_EXEMPT_MODELS: model,
    REGISTRY_ADDRESS: `127.0.0.1:${registry.grpcPort}`,
    INFERENCE_MODELS: model,
    INFERENCE_POLL_INTERVAL_MS: '500',
  };
  running = await startLocalServices({ services: [registry, inference], logDir, env });
  driftRunning = await startLocalServices({ services: [driftMonitor], logDir, env });

  // A group that committed 1 of 3 records and has no consumer: lag 2 that nobody works off.
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] });
  } finally {
    await admin.disconnect();
  }

  const channel = (port: number) => {
    const made = createGrpcChannel({ address: `127.0.0.1:${port}`, timeoutMs: 3_000 });
    channels.push(made);
    return made;
  };
  options = {
    // ingestion is not started: its ops port has nobody listening.
    services: [registry, inference, driftMonitor, ingestion].map((service) => ({ name: service.name, opsUrl: opsUrl(service) })),
    kafka,
    groupIds: [groupId],
    models: [model],
    registry: createGrpcRegistryClient(createGrpcClient(ModelRegistryService, channel(registry.grpcPort)), { timeoutMs: 3_000 }),
    servedVersions: servedVersionsFromInference(createGrpcClient(GRPCInferenceService, channel(inference.grpcPort))),
  };
}, 180_000);

afterAll(async () => {
  for (const channel of channels) channel.close();
  await driftRunning?.stop();
  await running?.stop();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}, 60_000);

const serviceOf = (status: PlatformStatus, name: string) => status.services.find((service) => service.name === name);

describe('collectPlatformStatus() on running services', () => {
  it('shows the running services ready, the one not started down, the lag nobody consumes, the aliases and what inference serves', async () => {
    const status = await collectPlatformStatus(options);
    for (const name of ['registry', 'inference', 'drift-monitor']) {
      expect(serviceOf(status, name), name).toMatchObject({ alive: true, ready: true, version: '0.1.0' });
      expect(serviceOf(status, name)?.checks['lifecycle'], name).toBe('up');
    }
    expect(serviceOf(status, 'ingestion')).toMatchObject({ alive: false, ready: false, reason: 'down: connection refused (nothing listens on its ops port)' });
    // Inference guards the registry, its artifacts, the online store and the models with breakers, all closed now.
    const inferenceBreakers = status.breakers.filter((breaker) => breaker.service === 'inference');
    expect(inferenceBreakers.map((breaker) => breaker.breaker)).toEqual(expect.arrayContaining(['serving-registry']));
    expect(inferenceBreakers.every((breaker) => breaker.state === 'closed')).toBe(true);
    expect(status.consumerLag).toEqual({
      groups: [{ groupId, state: 'Empty', members: 0, totalLag: 2n, partitions: [{ topic, partition: 0, committed: 1n, end: 3n, lag: 2n }] }],
    });
    expect(status.models).toEqual([{ model, aliases: { champion: undefined, challenger: undefined, shadow: undefined }, served: [] }]);
    expect(status.problems).toEqual([
      'ingestion is down: connection refused (nothing listens on its ops port)',
      `consumer group ${groupId} has 2 record(s) waiting and no consumer`,
    ]);
    const text = formatPlatformStatus(status).join('\n');
    expect(text).toMatch(/✗ ingestion +DOWN/);
    expect(text).toMatch(/✓ inference +ready/);
    expect(text).toContain(`${topic}[0]  committed 1  end 3  lag 2`);
  }, 60_000);

  it('says which service went down when one is stopped', async () => {
    await driftRunning.stop();
    const status = await collectPlatformStatus(options);
    expect(serviceOf(status, 'drift-monitor')).toMatchObject({ alive: false, ready: false, reason: 'down: connection refused (nothing listens on its ops port)' });
    expect(serviceOf(status, 'registry')?.ready).toBe(true);
    expect(status.problems).toContain('drift-monitor is down: connection refused (nothing listens on its ops port)');
  }, 60_000);

  it('reports a champion inference cannot serve, and inference not ready because of it', async () => {
    const registryClient = options.registry;
    if (!registryClient) throw new Error('no registry client');
    // Bytes that are no ONNX model: the registry takes them, inference cannot load them.
    const artifact = new TextEncoder().encode('not an onnx model');
    const version = await registryClient.register(
      {
        modelName: model,
        modelType: 'gbdt',
        featureNames: ['x'],
        artifactSha256: createHash('sha256').update(artifact).digest('hex'),
        artifactSizeBytes: BigInt(artifact.length),
        artifactFormat: 'onnx',
        createdBy: 'spec',
        lineage: { trainingWindow: { startTime: timestampFromMs(Date.UTC(2001, 0, 1)), endTime: timestampFromMs(Date.UTC(2001, 1, 1)) }, featureDefinitionsHash: 'spec', codeVersion: 'spec', trainingRowCount: 1 },
      },
      artifact,
    );
    await registryClient.setAlias({ modelName: model, alias: 'champion', version: version.version, expectedVersion: 0, actor: 'spec', reason: 'spec' });

    let status = await collectPlatformStatus(options);
    for (let tries = 0; tries < 50 && serviceOf(status, 'inference')?.ready !== false; tries++) {
      await sleep(200);
      status = await collectPlatformStatus(options);
    }
    expect(status.models[0]).toMatchObject({ model, aliases: { champion: version.version }, served: [] });
    expect(serviceOf(status, 'inference')).toMatchObject({ alive: true, ready: false });
    expect(serviceOf(status, 'inference')?.reason).toMatch(/^not ready: /);
    expect(status.problems).toContain(`${model}: champion is v${version.version} but inference serves no version`);
  }, 60_000);
});
