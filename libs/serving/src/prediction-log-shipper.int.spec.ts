import { fromBinary } from '@bufbuild/protobuf';
import { PredictionLogSchema, ServingTier } from '@tributary/contracts';
import { createKafkaClient, topics } from '@tributary/kafka';
import { createTestTopics, readRecords, type TestTopics } from '@tributary/kafka/testing';
import { createLogger, withSpan } from '@tributary/observability';
import { startTestTracing } from '@tributary/observability/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictionLogEntry } from './prediction-log-encoder.js';
import { createPredictionLogShipper } from './prediction-log-shipper.js';

const logger = createLogger({ name: 'prediction-log-shipper-spec', level: 'silent' });
const entry = (requestId: string): PredictionLogEntry => ({
  requestId,
  modelName: 'flight-delay',
  modelVersion: 3,
  alias: 'champion',
  servedBy: ServingTier.PRIMARY,
  shadow: false,
  predictionTimeMs: Date.now(),
  entityIds: { origin: 'ORD' },
  features: [{ name: 'x', categorical: false, defaultValue: Number.NaN }],
  row: Float32Array.of(0.5),
  prediction: 0,
  probability: 0.25,
  latencyMs: 0.4,
  eventId: `event-${requestId}`,
  defaultedFeatures: [],
  traceId: '',
});

describe('createPredictionLogShipper()', { timeout: 60_000 }, () => {
  const kafka = createKafkaClient({ clientId: 'prediction-log-shipper-spec' });
  let testTopics: TestTopics;

  beforeAll(() => {
    testTopics = createTestTopics(kafka);
  });
  afterAll(() => testTopics.deleteAll());

  it('sends logs from its own thread, each once, keyed by model, each in the trace of the request that logged it', async () => {
    const topic = await testTopics.create(topics.predictionsLogged);
    const tracing = startTestTracing('prediction-log-shipper-spec');
    try {
      const shipper = createPredictionLogShipper({ connection: { clientId: 'prediction-log-shipper-spec' }, topic: topic.name, maxBuffered: 1_000, logger });
      const ids = Array.from({ length: 300 }, (_, i) => `r${i}`);
      const traceIds = await Promise.all(ids.map((id) => withSpan(`predict ${id}`, (span) => (shipper.log(entry(id)), span.spanContext().traceId))));
      const records = await readRecords(kafka, topic.name, ids.length, { timeoutMs: 30_000 });
      await shipper.close(5_000);
      // Two producers send: order holds within a send, not across them.
      const traceIdByRequest = new Map(records.map((record) => [fromBinary(PredictionLogSchema, record.value as Buffer).requestId, record.headers['traceparent']?.toString().split('-')[1]]));
      expect(records).toHaveLength(ids.length);
      expect(new Map(ids.map((id, i) => [id, traceIds[i]]))).toEqual(traceIdByRequest);
      expect(records.every((record) => record.key?.toString() === 'flight-delay')).toBe(true);
      expect(shipper.dropped).toBe(0);
      // Every log handed over is accounted for: none waits once all are sent.
      await expect.poll(() => shipper.buffered, { timeout: 5_000 }).toBe(0);
    } finally {
      await tracing.shutdown();
    }
  });

  it('with Kafka unreachable keeps at most maxBuffered logs, counts the drops, and its close gives up in time', async () => {
    const shipper = createPredictionLogShipper({
      connection: { clientId: 'prediction-log-shipper-spec-down', brokers: ['127.0.0.1:1'], connectionTimeoutMs: 200 },
      topic: 'unreachable',
      maxBuffered: 5,
      logger,
    });
    for (let i = 0; i < 40; i++) {
      shipper.log(entry(`r${i}`));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await expect.poll(() => shipper.dropped, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    // Nothing was sent: every log is either dropped or still held.
    expect(shipper.buffered + shipper.dropped).toBe(40);
    expect(shipper.behind).toBe(false);
    const closing = performance.now();
    await shipper.close(500);
    expect(performance.now() - closing).toBeLessThan(3_000);
  });
});
