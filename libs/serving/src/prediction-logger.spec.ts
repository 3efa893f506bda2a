import { fromBinary } from '@bufbuild/protobuf';
import { PredictionLogSchema, ServingTier } from '@tributary/contracts';
import { topics, type OutgoingRecord } from '@tributary/kafka';
import { context, trace } from '@opentelemetry/api';
import { createLogger, withSpan } from '@tributary/observability';
import { startTestTracing } from '@tributary/observability/testing';
import { describe, expect, it, vi } from 'vitest';
import { encodePredictionLog, type PredictionLogEntry } from './prediction-log-encoder.js';
import type { EncodedPredictionLog } from './prediction-logger.js';
import { RECORD_ALLOWANCE_BYTES, createPredictionLogger } from './prediction-logger.js';

const entry = (requestId: string): PredictionLogEntry => ({
  requestId,
  modelName: 'm',
  modelVersion: 1,
  alias: 'champion',
  servedBy: ServingTier.PRIMARY,
  shadow: false,
  predictionTimeMs: Date.now(),
  entityIds: {},
  features: [{ name: 'x', categorical: false, defaultValue: Number.NaN }],
  row: Float32Array.of(1),
  prediction: 1,
  probability: 0.75,
  latencyMs: 1,
  eventId: '',
  defaultedFeatures: [],
  traceId: '',
});
/** The log of `requestId`, encoded, in the trace active now. */
const record = (requestId: string): EncodedPredictionLog => ({ key: 'm', value: encodePredictionLog(entry(requestId)), traceContext: context.active() });
const logger = createLogger({ name: 'prediction-logger-spec', level: 'silent' });

/** A producer whose sends fail while `down`, recording what it took. */
function producer() {
  const sent: string[] = [];
  const sends: number[] = [];
  const traceIds: (string | undefined)[] = [];
  const state = { down: false };
  return {
    state,
    sent,
    sends,
    traceIds,
    async send(_topic: unknown, records: readonly OutgoingRecord<Uint8Array>[]) {
      if (state.down) throw new Error('kafka down');
      sends.push(records.length);
      sent.push(...records.map((r) => fromBinary(PredictionLogSchema, r.value).requestId));
      traceIds.push(...records.map((r) => (r.traceContext ? trace.getSpanContext(r.traceContext)?.traceId : undefined)));
      return [];
    },
  };
}

describe('createPredictionLogger()', () => {
  it('sends logged predictions in batches, in order, off the caller’s path', async () => {
    const kafka = producer();
    const log = createPredictionLogger({ producers: [kafka], topic: topics.predictionsLogged, maxBuffered: 100, flushIntervalMs: 5, logger });
    for (let i = 0; i < 10; i++) log.log(record(`r${i}`));
    expect(kafka.sent).toEqual([]);
    await log.close();
    expect(kafka.sent).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
  });

  it('keeps each send within maxBatchBytes as well as maxBatch (a broker refuses a request over its size limit whole), a larger log alone', async () => {
    const kafka = producer();
    const one = record('r0');
    const perLog = one.key.length + one.value.byteLength + RECORD_ALLOWANCE_BYTES;
    const log = createPredictionLogger({ producers: [kafka], topic: topics.predictionsLogged, maxBuffered: 100, maxBatch: 10, maxBatchBytes: 3 * perLog + 1, logger });
    for (let i = 0; i < 8; i++) log.log(record(`r${i}`));
    await log.close();
    expect(kafka.sends).toEqual([3, 3, 2]);
    expect(kafka.sent).toEqual(Array.from({ length: 8 }, (_, i) => `r${i}`));

    const small = producer();
    const tight = createPredictionLogger({ producers: [small], topic: topics.predictionsLogged, maxBuffered: 100, maxBatchBytes: perLog - 1, logger });
    for (let i = 0; i < 2; i++) tight.log(record(`r${i}`));
    await tight.close();
    expect(small.sends).toEqual([1, 1]);
  });

  it('sends a batch on another producer while one waits for its acknowledgement, never two at once on one producer', async () => {
    /** A producer whose sends wait until `acknowledge()`, counting how many it had in flight. */
    const slow = () => {
      const sent: string[] = [];
      const waiting: (() => void)[] = [];
      const state = { inFlight: 0, mostInFlight: 0 };
      return {
        sent,
        state,
        acknowledge: () => waiting.shift()?.(),
        async send(_topic: unknown, records: readonly OutgoingRecord<Uint8Array>[]) {
          state.mostInFlight = Math.max(state.mostInFlight, ++state.inFlight);
          await new Promise<void>((resolve) => waiting.push(resolve));
          state.inFlight--;
          sent.push(...records.map((r) => fromBinary(PredictionLogSchema, r.value).requestId));
          return [];
        },
      };
    };
    const [a, b] = [slow(), slow()];
    const log = createPredictionLogger({ producers: [a, b], topic: topics.predictionsLogged, maxBuffered: 100, maxBatch: 2, flushIntervalMs: 5, logger });
    for (let i = 0; i < 6; i++) log.log(record(`r${i}`));
    // Two batches out, one on each producer; the third waits for a producer to be free.
    expect([a.state.inFlight, b.state.inFlight]).toEqual([1, 1]);
    expect(log.buffered).toBe(2);
    a.acknowledge();
    b.acknowledge();
    await vi.waitFor(() => expect(a.state.inFlight + b.state.inFlight).toBe(1));
    const closed = log.close();
    a.acknowledge();
    b.acknowledge();
    await closed;
    expect([...a.sent, ...b.sent].sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect([a.state.mostInFlight, b.state.mostInFlight]).toEqual([1, 1]);
  });

  it('keeps at most maxBuffered logs (and the batch being retried) while Kafka is down, dropping and counting the oldest, and sends the rest once it is back', async () => {
    const kafka = producer();
    kafka.state.down = true;
    const outcomes = { sent: 0, send_failed: 0, dropped: 0 };
    const onOutcome = (outcome: keyof typeof outcomes, count: number) => void (outcomes[outcome] += count);
    const log = createPredictionLogger({ producers: [kafka], topic: topics.predictionsLogged, maxBuffered: 5, flushIntervalMs: 5, onOutcome, logger });
    for (let i = 0; i < 12; i++) {
      log.log(record(`r${i}`));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(log.buffered).toBeLessThanOrEqual(5);
    kafka.state.down = false;
    await new Promise((resolve) => setTimeout(resolve, 30));
    await log.close();
    // What is kept is at most the buffer plus the one batch that was being retried, and it is the newest, in order.
    expect(kafka.sent.length + log.dropped).toBe(12);
    expect(kafka.sent.length).toBeLessThanOrEqual(10);
    expect(kafka.sent).toEqual(Array.from({ length: kafka.sent.length }, (_, i) => `r${12 - kafka.sent.length + i}`));
    // What the metrics are told.
    expect(outcomes.sent).toBe(kafka.sent.length);
    expect(outcomes.dropped).toBe(log.dropped);
    expect(outcomes.send_failed).toBeGreaterThan(0);
  });

  it('sends each log in the trace it carries, though they leave together from a timer', async () => {
    const tracing = startTestTracing('prediction-logger-spec');
    try {
      const kafka = producer();
      const log = createPredictionLogger({ producers: [kafka], topic: topics.predictionsLogged, maxBuffered: 100, flushIntervalMs: 5, logger });
      const requests = await Promise.all(['a', 'b', 'c'].map((id) => withSpan(`predict ${id}`, (span) => (log.log(record(id)), span.spanContext().traceId))));
      await log.close();
      expect(kafka.sent).toEqual(['a', 'b', 'c']);
      expect(kafka.traceIds).toEqual(requests);
      expect(new Set(requests).size).toBe(3);
    } finally {
      await tracing.shutdown();
    }
  });
});
