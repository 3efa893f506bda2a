/**
 * One trace end to end, on the real services run as processes from source,
 * each exporting its spans over OTLP/HTTP to a receiver this spec starts
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`). This process plays the platform's clients:
 * a producer of one flight event and a gRPC client of one Predict. Each flow
 * must be one trace across Kafka headers and gRPC metadata, every span in it
 * the child of the span before it, in the service that did the work.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, InferenceService, PredictionLogSchema, ServingTier, type Event } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient, type GrpcChannel } from '@tributary/grpc';
import { localClickHouse } from '@tributary/infra/testing';
import { createKafkaClient, createProducer, topics, type TopicDefinition } from '@tributary/kafka';
import { createTestTopics, readRecords } from '@tributary/kafka/testing';
import { createLogger, startTracing, type Tracing } from '@tributary/observability';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@tributary/observability/testing';
import { startServiceProcess, writeFlightFixtures, type ServiceProcess } from '@tributary/training/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from './testing/cli-run.fixture.js';
import { registerTrainCommand } from './commands/train.js';

const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const database = `traces_${suffix}`;
const MODEL = `traces-${suffix.replaceAll('_', '-')}`;
const redisPrefix = `test:traces:${suffix}`;
const logger = createLogger({ name: 'end-to-end-traces-spec', level: 'error' });
const kafka = createKafkaClient({ clientId: 'end-to-end-traces-spec', logger });
const testTopics = createTestTopics(kafka);
const clickhouse = localClickHouse();
const app = (name: string) => new URL(`../../${name}/src/main.ts`, import.meta.url);

/** The span of `service` named `name` in the trace, which must be there exactly once. */
function spanOf(spans: readonly ReceivedSpan[], service: string, name: string): ReceivedSpan {
  const found = spans.filter((span) => span.serviceName === service && span.name === name);
  expect(found, `${service}: ${name} in ${spans.map((span) => `${span.serviceName}: ${span.name}`).join(', ')}`).toHaveLength(1);
  return found[0] as ReceivedSpan;
}

/** Asserts each span of the chain is the child of the one before it, of the given kind. */
function expectChain(chain: readonly { readonly span: ReceivedSpan; readonly kind: ReceivedSpan['kind'] }[]): void {
  chain.forEach(({ span, kind }, i) => {
    expect(span.kind, `${span.serviceName}: ${span.name}`).toBe(kind);
    expect(span.parentSpanId, `parent of ${span.serviceName}: ${span.name}`).toBe(i === 0 ? undefined : chain[i - 1]?.span.spanId);
  });
}

describe('one trace end to end', () => {
  const names = {} as Record<'raw' | 'validated' | 'dlq' | 'lifecycle' | 'predictions' | 'reports' | 'requests', string>;
  const services: ServiceProcess[] = [];
  let receiver: OtlpReceiver;
  let tracing: Tracing | undefined;
  let artifactDirectory: string;
  let registryAddress: string;
  let inference: GrpcChannel;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    artifactDirectory = await mkdtemp(join(tmpdir(), 'traces-'));
    const created = await Promise.all(
      (
        [
          ['raw', topics.eventsRaw],
          ['validated', topics.eventsValidated],
          ['dlq', topics.eventsDlq],
          ['lifecycle', topics.modelLifecycle],
          ['predictions', topics.predictionsLogged],
          ['reports', topics.driftDetected],
          ['requests', topics.trainingRequested],
        ] as const
      ).map(async ([key, topic]) => [key, (await testTopics.create(topic as TopicDefinition<unknown>)).name] as const),
    );
    for (const [key, name] of created) names[key] = name;

    const common = { GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', OPS_HOST: '127.0.0.1', OPS_PORT: '0', SERVICE_AUTH_TOKEN: '', LOG_LEVEL: 'info', CLICKHOUSE_DATABASE: database };
    const [registry] = await Promise.all([
      startServiceProcess({
        entry: app('registry'),
        env: { ...common, REGISTRY_KEY_PREFIX: `${redisPrefix}:registry`, REGISTRY_ARTIFACT_DIR: artifactDirectory, REGISTRY_LIFECYCLE_TOPIC: names.lifecycle, REGISTRY_APPROVAL_EXEMPT_MODELS: MODEL },
        readyMessage: 'registry serving',
      }),
      writeFlightFixtures({ client: clickhouse, database, fromMs: Date.UTC(2001, 1, 5), toMs: Date.UTC(2001, 1, 7), everyNth: 4 }),
    ]);
    services.push(registry);
    registryAddress = `127.0.0.1:${String(registry.ready['grpcPort'])}`;

    // The champion inference serves, trained and registered as the trainer would (not part of the traces under test).
    process.env['CLICKHOUSE_DATABASE'] = database;
    process.env['REGISTRY_ADDRESS'] = registryAddress;
    const trained = await runCommand(
      registerTrainCommand,
      'train', '--local', '--model', MODEL, '--from', '2001-02-05', '--to', '2001-02-06T12:00', '--validation-from', '2001-02-06T12:00',
      '--validation-to', '2001-02-06T18:00', '--holdout-from', '2001-02-06T18:00', '--holdout-to', '2001-02-07', '--param', 'max_rounds=10',
    );
    expect(trained.code, trained.output).toBe(0);

    const traced = { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' };
    const started = await Promise.all([
      startServiceProcess({
        entry: app('ingestion'),
        env: {
          ...traced,
          INGEST_RAW_TOPIC: names.raw,
          INGEST_VALIDATED_TOPIC: names.validated,
          INGEST_DLQ_TOPIC: names.dlq,
          INGEST_GROUP_ID: `traces-ingestion-${suffix}`,
          INGEST_DEDUP_KEY_PREFIX: `${redisPrefix}:dedup`,
        },
        readyMessage: 'ready',
      }),
      startServiceProcess({
        entry: app('feature-pipeline'),
        env: {
          ...traced,
          FEATURES_VALIDATED_TOPIC: names.validated,
          FEATURES_DLQ_TOPIC: names.dlq,
          FEATURES_GROUP_ID: `traces-features-${suffix}`,
          FEATURES_REDIS_PREFIX: `${redisPrefix}:features`,
        },
        readyMessage: 'ready',
      }),
      startServiceProcess({
        entry: app('inference'),
        env: {
          ...traced,
          REST_HOST: '127.0.0.1',
          REST_PORT: '0',
          REGISTRY_ADDRESS: registryAddress,
          INFERENCE_MODELS: MODEL,
          INFERENCE_LIFECYCLE_TOPIC: names.lifecycle,
          INFERENCE_LIFECYCLE_GROUP_ID: `traces-inference-${suffix}`,
          INFERENCE_PREDICTIONS_TOPIC: names.predictions,
          FEATURES_REDIS_PREFIX: `${redisPrefix}:features`,
          // Not the fallback chain under test: budgets a loaded machine never drops to a fallback tier in.
          INFERENCE_PRIMARY_BUDGET_MS: '10000',
          INFERENCE_FALLBACK_BUDGET_MS: '10000',
          INFERENCE_DEFAULT_DEADLINE_MS: '30000',
        },
        readyMessage: 'inference serving',
      }),
      startServiceProcess({
        entry: app('drift-monitor'),
        env: {
          ...traced,
          REGISTRY_ADDRESS: registryAddress,
          DRIFT_PREDICTIONS_TOPIC: names.predictions,
          DRIFT_EVENTS_TOPIC: names.validated,
          DRIFT_LIFECYCLE_TOPIC: names.lifecycle,
          DRIFT_REPORTS_TOPIC: names.reports,
          DRIFT_TRAINING_TOPIC: names.requests,
          DRIFT_DLQ_TOPIC: names.dlq,
          DRIFT_GROUP_ID: `traces-drift-${suffix}`,
        },
        readyMessage: 'ready',
      }),
    ]);
    services.push(...started);
    inference = createGrpcChannel({ address: `127.0.0.1:${String(started[2].ready['grpcPort'])}`, timeoutMs: 30_000 });
    tracing = startTracing({ serviceName: 'trace-spec-client', otlpEndpoint: receiver.endpoint });
  }, 600_000);

  afterAll(async () => {
    delete process.env['CLICKHOUSE_DATABASE'];
    delete process.env['REGISTRY_ADDRESS'];
    await tracing?.shutdown();
    inference?.close();
    await Promise.all(services.map((service) => service.stop()));
    await receiver?.close();
    await testTopics.deleteAll();
    const redis = new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${redisPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    await clickhouse.close();
    if (artifactDirectory) await rm(artifactDirectory, { recursive: true, force: true });
  }, 120_000);

  it('follows a flight event from its producer through ingestion into the feature pipeline’s aggregation', { timeout: 120_000 }, async () => {
    const departure = Date.UTC(2001, 1, 7, 9, 30);
    const event: Event = create(EventSchema, {
      eventId: `traces-dep-${suffix}`,
      type: 'flight.departed',
      source: '/tests/end-to-end-traces',
      entityId: `traces-flight-${suffix}`,
      eventTime: timestampFromMs(departure),
      payload: { case: 'flightDeparted', value: { flightKey: `traces-flight-${suffix}`, origin: 'ORD', destination: 'LAX', distanceMiles: 1744, departureTime: timestampFromMs(departure) } },
    });
    const producer = createProducer({ kafka, source: '/tests/end-to-end-traces', logger });
    try {
      await producer.send({ ...topics.eventsValidated, name: names.raw }, [{ key: event.entityId, id: event.eventId, type: event.type, value: event }]);
    } finally {
      await producer.close();
    }
    await tracing?.forceFlush();
    const sent = receiver.spans().find((span) => span.serviceName === 'trace-spec-client' && span.name === `send ${names.raw}`);
    expect(sent).toBeDefined();
    const traceId = sent?.traceId as string;
    const trace = await receiver.waitFor('aggregation of the event', (spans) =>
      spans.some((span) => span.traceId === traceId && span.serviceName === 'feature-pipeline' && span.name === 'aggregate features'),
    );
    const spans = trace.filter((span) => span.traceId === traceId);

    expectChain([
      { span: spanOf(spans, 'trace-spec-client', `send ${names.raw}`), kind: 'producer' },
      { span: spanOf(spans, 'ingestion', `process ${names.raw}`), kind: 'consumer' },
      { span: spanOf(spans, 'ingestion', `send ${names.validated}`), kind: 'producer' },
      { span: spanOf(spans, 'feature-pipeline', `process ${names.validated}`), kind: 'consumer' },
      { span: spanOf(spans, 'feature-pipeline', 'aggregate features'), kind: 'internal' },
    ]);
    expect(spanOf(spans, 'feature-pipeline', 'aggregate features').attributes).toMatchObject({ 'tributary.features.records': 1, 'tributary.features.accepted': 1 });
  });

  it('follows a prediction from the gRPC client through inference, its pipeline and model run to predictions.logged and the drift monitor', { timeout: 120_000 }, async () => {
    const response = await createGrpcClient(InferenceService, inference).predict({
      modelName: MODEL,
      requestId: `traces-predict-${suffix}`,
      flight: { origin: 'ORD', destination: 'LAX', departureTime: timestampFromMs(Date.UTC(2001, 1, 7, 10)), distanceMiles: 1744 },
    });
    expect(response.servedBy).toBe(ServingTier.PRIMARY);
    await tracing?.forceFlush();
    const method = `${InferenceService.typeName}/${InferenceService.method.predict.name}`;
    const call = receiver.spans().find((span) => span.serviceName === 'trace-spec-client' && span.name === method);
    expect(call).toBeDefined();
    const traceId = call?.traceId as string;
    // The log's create and send spans come from inference's prediction-log thread, exported on its own schedule.
    const trace = await receiver.waitFor('the prediction log’s send by inference and its consumption by the drift monitor', (spans) =>
      spans.some((span) => span.traceId === traceId && span.serviceName === 'drift-monitor' && span.name === `process ${names.predictions}`) &&
      spans.some((span) => span.traceId === traceId && span.serviceName === 'inference' && span.name === `create ${names.predictions}`) &&
      spans.some((span) => span.serviceName === 'inference' && span.name === `send ${names.predictions}`),
    );
    const spans = trace.filter((span) => span.traceId === traceId);

    const pipeline = spanOf(spans, 'inference', 'serving pipeline');
    expectChain([
      { span: spanOf(spans, 'trace-spec-client', method), kind: 'client' },
      { span: spanOf(spans, 'inference', method), kind: 'server' },
      { span: pipeline, kind: 'internal' },
      { span: spanOf(spans, 'inference', 'model run'), kind: 'internal' },
    ]);
    expect(pipeline.attributes).toMatchObject({ 'tributary.model': MODEL, 'tributary.serving.tier': 'primary', 'tributary.serving.alias': 'champion' });
    // The log leaves later, from the prediction-log thread, in a send of its own: its create span continues the request’s trace.
    const logged = spanOf(spans, 'inference', `create ${names.predictions}`);
    const monitored = spanOf(spans, 'drift-monitor', `process ${names.predictions}`);
    expect([logged.kind, logged.parentSpanId]).toEqual(['producer', pipeline.spanId]);
    expect([monitored.kind, monitored.parentSpanId]).toEqual(['consumer', logged.spanId]);
    const send = trace.find((span) => span.serviceName === 'inference' && span.name === `send ${names.predictions}` && span.links.some((link) => link.spanId === logged.spanId));
    expect(send, 'the send span of the prediction log links to its create span').toBeDefined();

    // The record on the topic carries the same trace in its headers and in the PredictionLog itself.
    const [record] = await readRecords(kafka, names.predictions, 1);
    const log = fromBinary(PredictionLogSchema, record?.value ?? new Uint8Array());
    expect(log.requestId).toBe(`traces-predict-${suffix}`);
    expect(log.traceId).toBe(traceId);
    expect(record?.headers['traceparent']).toBe(`00-${traceId}-${logged.spanId}-01`);
  });
});
