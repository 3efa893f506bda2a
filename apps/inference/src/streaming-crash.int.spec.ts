import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, InferenceService, ScoredEventSchema, type Event, type ScoredEvent } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createTestTopics, uniqueName } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import type { Admin, Consumer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL } from './testing/flight-models.fixture.js';

const fixture = fileURLToPath(new URL('./testing/streaming-inference.fixture.ts', import.meta.url));
const logger = createLogger({ name: 'streaming-crash-spec', level: 'error' });
const kafka = createKafkaClient({ clientId: 'streaming-crash-spec', logger });
const testTopics = createTestTopics(kafka);
const children: ChildProcess[] = [];
const EVENTS = 3_000;
const ROUTES = [
  ['ORD', 'LAX', 1744],
  ['JFK', 'SFO', 2586],
  ['ATL', 'ORD', 606],
  ['DFW', 'DEN', 641],
] as const;

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await testTopics.deleteAll();
});

function departure(i: number): Event {
  const [origin, destination, distanceMiles] = ROUTES[i % ROUTES.length] as (typeof ROUTES)[number];
  const departureTime = timestampFromMs(Date.UTC(2001, 5, 1, 6, 0) + i * 20_000);
  return create(EventSchema, {
    eventId: `crash-dep-${i}`,
    type: 'flight.departed',
    source: '/tests/streaming-crash',
    entityId: `${origin}-${destination}`,
    eventTime: departureTime,
    payload: { case: 'flightDeparted', value: { flightKey: `crash-dep-${i}`, origin, destination, distanceMiles, departureTime } },
  });
}

/** Starts the inference service with the streaming scorer in its own process; resolves once it scores. */
async function startScorerProcess(env: Record<string, string>): Promise<{ child: ChildProcess; grpcPort: number }> {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    if (!line.startsWith('{"ready"')) continue;
    child.stdout?.resume();
    return { child, grpcPort: (JSON.parse(line) as { grpcPort: number }).grpcPort };
  }
  throw new Error(`the scorer process exited (${child.exitCode ?? child.signalCode}) before it was ready`);
}

/**
 * Every answer a read_committed reader of a new group sees on the topic, as it arrives, once per record of the log:
 * keyed by partition and offset, so the reader's own redelivery (a rebalance before its commit) is not counted as the
 * scorer writing twice.
 */
async function watchScored(topic: string): Promise<{ consumer: Consumer; answers: () => ScoredEvent[] }> {
  const records = new Map<string, ScoredEvent>();
  const consumer = kafka.consumer({ groupId: uniqueName('crash-reader'), readUncommitted: false, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => void records.set(`${partition}@${message.offset}`, fromBinary(ScoredEventSchema, message.value ?? new Uint8Array())),
  });
  return { consumer, answers: () => [...records.values()] };
}

/** Records on a topic written without transactions: the sum of its partitions' high watermarks (asked again while a loaded broker moves leaders). */
async function inputRecordCount(admin: Admin, topic: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0);
    } catch (error) {
      if (attempt === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the streaming scorer of the inference service', { timeout: 300_000 }, () => {
  it('writes exactly one scored record per departed event, none missing, across a kill -9 mid-stream and a restart', async () => {
    const [events, scored, dlq] = await Promise.all([
      testTopics.create(topics.eventsValidated),
      testTopics.create(topics.predictionsScored),
      testTopics.create(topics.eventsDlq),
    ]);
    const env = {
      INFERENCE_STREAMING_EVENTS_TOPIC: events.name,
      INFERENCE_STREAMING_SCORED_TOPIC: scored.name,
      INFERENCE_STREAMING_DLQ_TOPIC: dlq.name,
      INFERENCE_STREAMING_GROUP_ID: uniqueName('streaming-crash'),
      INFERENCE_STREAMING_MAX_BATCH_SIZE: '50',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'error',
    };
    const { consumer, answers } = await watchScored(scored.name);
    const admin = kafka.admin();
    await admin.connect();
    const producer = createProducer({ kafka, source: '/tests/streaming-crash', logger });
    try {
      const first = await startScorerProcess(env);
      // A steady stream: the kill lands while events are still arriving and being scored.
      let published = 0;
      const publishing = (async () => {
        while (published < EVENTS) {
          const batch = Array.from({ length: 100 }, (_, k) => departure(published + k));
          await producer.send(events, batch.map((event) => ({ key: event.entityId, id: event.eventId, value: event, type: event.type })));
          published += batch.length;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await until(() => answers().length >= 300, 120_000, 'the first 300 answers');
      const exited = once(first.child, 'exit');
      first.child.kill('SIGKILL');
      await exited;
      const answeredBeforeKill = answers().length;
      expect(answeredBeforeKill).toBeLessThan(EVENTS);

      const second = await startScorerProcess(env);
      await publishing;
      await until(() => new Set(answers().map((answer) => answer.eventId)).size >= EVENTS, 180_000, `answers to all ${EVENTS} events`);
      // Whatever the killed process had written but not committed stays invisible; nothing more arrives.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      // The input holds each departure once (the test's producer is idempotent), so one answer per event id is one per record.
      expect(await inputRecordCount(admin, events.name)).toBe(EVENTS);
      const ids = answers().map((answer) => answer.eventId);
      // Both counts at once: a failure then shows whether extra answers repeat event ids or are records of other ids.
      expect({ answers: ids.length, distinctEventIds: new Set(ids).size }).toEqual({ answers: EVENTS, distinctEventIds: EVENTS });
      expect([...new Set(ids)].sort()).toEqual(Array.from({ length: EVENTS }, (_, i) => `crash-dep-${i}`).sort());

      // The same answer gRPC Predict gives for the same flight and version.
      const channel = createGrpcChannel({ address: `127.0.0.1:${second.grpcPort}` });
      try {
        const client = createGrpcClient(InferenceService, channel);
        for (const answer of answers().filter((_, i) => i % 300 === 0)) {
          const event = departure(Number(answer.eventId.slice('crash-dep-'.length)));
          if (event.payload.case !== 'flightDeparted') throw new Error('not a departure');
          const { origin, destination, departureTime, distanceMiles } = event.payload.value;
          const online = await client.predict({ modelName: MODEL, flight: { origin, destination, departureTime, distanceMiles }, eventId: event.eventId });
          expect(online.modelVersion).toBe(answer.prediction?.modelVersion);
          expect(Math.abs(online.probability - (answer.prediction?.probability ?? Number.NaN))).toBeLessThanOrEqual(1e-6);
        }
      } finally {
        channel.close();
      }
      const exitedCleanly = once(second.child, 'exit');
      second.child.kill('SIGTERM');
      expect((await exitedCleanly)[0]).toBe(0);
    } finally {
      await producer.close();
      await consumer.disconnect();
      await admin.disconnect();
    }
  });
});
