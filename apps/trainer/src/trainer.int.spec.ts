import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { createClient } from '@clickhouse/client';
import { loadConfig } from '@tributary/config';
import { ModelLifecycleEventSchema, ModelLifecycleEventType, ModelRegistryService, TrainerService, type ModelLifecycleEvent } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { createKafkaClient, topics } from '@tributary/kafka';
import { createTestTopics, readRecords, uniqueName } from '@tributary/kafka/testing';
import { createOnnxPredictor } from '@tributary/ml';
import { createLogger } from '@tributary/observability';
import { createLifecycle } from '@tributary/runtime';
import { TRAINER_TAGS, timeWindowOf, type TrainingRunResult } from '@tributary/training';
import { startServiceProcess, writeFlightFixtures, type ServiceProcess } from '@tributary/training/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainerConfigSchema } from './config.js';
import { startTrainer } from './start-trainer.js';

const logger = createLogger({ name: 'trainer-int-spec', level: 'silent' });
const kafka = createKafkaClient({ clientId: 'trainer-int-spec', logger });
const testTopics = createTestTopics(kafka);
const suffix = uniqueName('t').replaceAll('-', '_');
const database = `trainer_test_${suffix}`;
const registryPrefix = `test:trainer:${suffix}`;
const MODEL = `flight-delay-${suffix.replaceAll('_', '-').toLowerCase()}`.slice(0, 64);
const clickhouse = createClient({ url: process.env['CLICKHOUSE_URL']?.trim() || 'http://127.0.0.1:8123' });
const lifecycle = createLifecycle({ logger, signals: [], exit: () => undefined });
const day = (d: number, hour = 0) => Date.UTC(2001, 0, d, hour);

/** The registry service as its own process (apps do not import each other), on a free port and a key prefix of this test's. */
async function startRegistryProcess(artifactDirectory: string): Promise<ServiceProcess & { address: string }> {
  const registry = await startServiceProcess({
    entry: new URL('../../registry/src/main.ts', import.meta.url),
    env: {
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      OPS_HOST: '127.0.0.1',
      OPS_PORT: '0',
      REGISTRY_KEY_PREFIX: registryPrefix,
      REGISTRY_ARTIFACT_DIR: artifactDirectory,
      REGISTRY_APPROVAL_EXEMPT_MODELS: MODEL,
      LOG_LEVEL: 'info',
    },
    readyMessage: 'registry serving',
  });
  return { ...registry, address: `127.0.0.1:${String(registry.ready['grpcPort'])}` };
}

describe('trainer service', () => {
  let registry: ServiceProcess & { address: string };
  let artifactDirectory: string;
  let requestsTopic: string;
  let dlqTopic: string;
  let grpcPort: number;
  const runs: TrainingRunResult[] = [];

  beforeAll(async () => {
    artifactDirectory = await mkdtemp(join(tmpdir(), 'trainer-int-'));
    // Three days of real flights, every 8th: about 5k flights, enough to learn from and to split in time.
    const [started] = await Promise.all([
      startRegistryProcess(artifactDirectory),
      writeFlightFixtures({ client: clickhouse, database, fromMs: day(8), toMs: day(11), everyNth: 8 }),
    ]);
    registry = started;
    requestsTopic = (await testTopics.create(topics.trainingRequested)).name;
    dlqTopic = (await testTopics.create(topics.eventsDlq)).name;
    const config = loadConfig(trainerConfigSchema, {
      ...process.env,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      OPS_HOST: '127.0.0.1',
      OPS_PORT: '0',
      CLICKHOUSE_DATABASE: database,
      TRAINER_REQUESTS_TOPIC: requestsTopic,
      TRAINER_DLQ_TOPIC: dlqTopic,
      TRAINER_GROUP_ID: uniqueName('trainer-test'),
      TRAINER_RETRIES: '1',
      REGISTRY_ADDRESS: registry.address,
      SERVICE_AUTH_TOKEN: '',
    });
    ({ grpcPort } = await startTrainer({ config, lifecycle, logger, onRun: (result) => runs.push(result) }));
  }, 180_000);

  afterAll(async () => {
    await lifecycle.shutdown();
    await registry?.stop();
    await testTopics.deleteAll();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    await clickhouse.close();
    const redis = new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${registryPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    if (artifactDirectory) await rm(artifactDirectory, { recursive: true, force: true });
  }, 60_000);

  async function requestTraining(fields: { modelName: string; params?: Record<string, string> }): Promise<string> {
    const channel = createGrpcChannel({ address: `127.0.0.1:${grpcPort}` });
    try {
      const response = await createGrpcClient(TrainerService, channel).requestTraining({
        trainingRequest: {
          modelName: fields.modelName,
          requestedBy: 'trainer-int-spec',
          trainingWindow: timeWindowOf({ startMs: day(8), endMs: day(9, 18) }),
          validationWindow: timeWindowOf({ startMs: day(9, 18), endMs: day(10) }),
          holdoutWindow: timeWindowOf({ startMs: day(10), endMs: day(11) }),
          params: fields.params ?? { max_rounds: '40' },
        },
      });
      return response.requestId;
    } finally {
      channel.close();
    }
  }

  async function waitForRun(requestId: string, timeoutMs = 120_000): Promise<TrainingRunResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = runs.find((r) => r.requestId === requestId);
      if (run) return run;
      if (Date.now() > deadline) throw new Error(`no run of ${requestId} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('turns a training request into registered, ONNX-verified versions and model.lifecycle events', async () => {
    const requestId = await requestTraining({ modelName: MODEL });
    const run = await waitForRun(requestId);
    expect(run.outcome).toBe('registered');

    const channel = createGrpcChannel({ address: registry.address });
    try {
      const client = createGrpcClient(ModelRegistryService, channel);
      const { modelVersion: primary } = await client.getModelVersion({ modelName: MODEL, selector: { case: 'alias', value: 'champion' } });
      expect(primary?.version).toBe(run.primary.version);
      expect(primary?.modelType).toBe('gbdt');
      expect(primary?.tags[TRAINER_TAGS.requestId]).toBe(requestId);
      expect(primary?.tags[TRAINER_TAGS.fallbackVersion]).toBe(String(run.fallback.version));
      expect(primary?.metrics['onnx_parity_max_abs_diff']).toBeLessThanOrEqual(1e-5);
      // A few thousand flights of two days: better than chance is what such a slice shows (the benchmark measures quality).
      expect(primary?.metrics['holdout_auc']).toBeGreaterThan(0.5);
      expect(primary?.lineage?.trainingRequestId).toBe(requestId);
      expect(primary?.aliases).toEqual(expect.arrayContaining(['champion', 'challenger']));

      // The registered artifact is what ONNX Runtime serves: it loads and gives probabilities.
      const chunks: Uint8Array[] = [];
      for await (const message of client.downloadArtifact({ modelName: MODEL, selector: { case: 'version', value: run.primary.version } })) {
        if (message.content.case === 'chunk') chunks.push(message.content.value);
      }
      const predictor = await createOnnxPredictor(Buffer.concat(chunks));
      try {
        const [p] = await predictor.predictProba({ values: new Float32Array(predictor.featureCount).fill(Number.NaN), rowCount: 1 });
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(1);
      } finally {
        await predictor.close();
      }
    } finally {
      channel.close();
    }

    const isChampionMove = (e: ModelLifecycleEvent) => e.type === ModelLifecycleEventType.ALIAS_SET && e.alias === 'champion' && e.version === run.primary.version;
    const events = await lifecycleEvents((seen) => seen.some(isChampionMove));
    expect(events.filter((e) => e.type === ModelLifecycleEventType.REGISTERED).map((e) => e.version)).toEqual([run.fallback.version, run.primary.version]);
    expect(events.find((e) => e.type === ModelLifecycleEventType.REGISTERED && e.version === run.primary.version)?.modelVersion?.tags[TRAINER_TAGS.requestId]).toBe(requestId);
  });

  it('dead-letters a request whose run fails, with the reason', async () => {
    // Valid to the service, but nothing can be learnt from windows without flights.
    const channel = createGrpcChannel({ address: `127.0.0.1:${grpcPort}` });
    let requestId: string;
    try {
      ({ requestId } = await createGrpcClient(TrainerService, channel).requestTraining({
        trainingRequest: { modelName: MODEL, trainingWindow: timeWindowOf({ startMs: day(20), endMs: day(21) }) },
      }));
    } finally {
      channel.close();
    }
    const [dead] = await readRecords(kafka, dlqTopic, 1, { timeoutMs: 60_000 });
    expect(dead?.headers['ce_id']).toBe(requestId);
    expect(dead?.headers['dlq_error']).toMatch(/training failed at building-training-set: train split: 0 rows/);
  });

  it('refuses a malformed request at the gRPC door', async () => {
    const channel = createGrpcChannel({ address: `127.0.0.1:${grpcPort}` });
    try {
      await expect(createGrpcClient(TrainerService, channel).requestTraining({ trainingRequest: { modelName: 'Not A Name' } })).rejects.toMatchObject({
        code: 3,
        message: expect.stringMatching(/model_name/),
      });
    } finally {
      channel.close();
    }
  });
});

/** This test's model's events on the shared `model.lifecycle` topic (the registry process publishes there), once `enough` says so. */
async function lifecycleEvents(enough: (events: ModelLifecycleEvent[]) => boolean, timeoutMs = 30_000): Promise<ModelLifecycleEvent[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('trainer-int-lifecycle'), maxWaitTimeInMs: 100 });
  const events: ModelLifecycleEvent[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.modelLifecycle.name], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw ${events.length} lifecycle events of ${MODEL} in ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            if (message.key?.toString() !== MODEL || !message.value) return;
            events.push(fromBinary(ModelLifecycleEventSchema, message.value));
            if (enough(events)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return events;
  } finally {
    await consumer.disconnect();
  }
}
