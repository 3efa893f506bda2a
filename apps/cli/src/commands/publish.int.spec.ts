import { encodeFlightEvent, readFlightEvents, type FlightEvent } from '@tributary/flights';
import { KafkaUnavailableError, createKafkaClient, createProducer, topics, type TypedProducer } from '@tributary/kafka';
import { createTestTopics, readRecords } from '@tributary/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gaveUpMessage, publishFlights } from './publish.js';

const kafka = createKafkaClient({ clientId: 'publish-int-spec' });
const testTopics = createTestTopics(kafka);
const producer = createProducer({ kafka, source: '/tests/publish' });

describe('publishFlights()', () => {
  const flights = 150;
  const expected: FlightEvent[] = [];
  beforeAll(async () => {
    for await (const event of readFlightEvents({ maxFlights: flights })) expected.push(event);
  });
  afterAll(async () => {
    await producer.close();
    await testTopics.deleteAll();
  });

  it('writes every event keyed by flight, with its id, type and time in headers, in event-time order per partition', async () => {
    const topic = await testTopics.create(topics.eventsRaw);
    const done = await publishFlights({ producer, topic, maxFlights: flights, batchSize: 64 });
    expect(done.events).toBe(2 * flights);

    const records = await readRecords(kafka, topic.name, 2 * flights, { timeoutMs: 45_000 });
    const byId = new Map(expected.map((event) => [event.eventId, event]));
    const lastTimeByPartition = new Map<number, number>();
    for (const record of records) {
      const event = byId.get(record.headers['ce_id'] ?? '');
      expect(event).toBeDefined();
      expect(record.key).toBe(event?.flightKey);
      expect(record.headers).toMatchObject({ ce_type: event?.type, 'content-type': 'application/protobuf' });
      expect(record.value).toEqual(Buffer.from(encodeFlightEvent(event as FlightEvent, 'protobuf').value));
      const timeMs = Date.parse(record.headers['ce_time'] ?? '');
      expect(timeMs).toBe(event?.eventTimeMs);
      expect(timeMs).toBeGreaterThanOrEqual(lastTimeByPartition.get(record.partition) ?? -Infinity);
      lastTimeByPartition.set(record.partition, timeMs);
    }
    expect(new Set(records.map((r) => r.headers['ce_id'])).size).toBe(2 * flights);
  });

  it('writes JSON when asked', async () => {
    const topic = await testTopics.create(topics.eventsRaw);
    await publishFlights({ producer, topic, maxFlights: 5, format: 'json' });
    const records = await readRecords(kafka, topic.name, 10, { timeoutMs: 45_000 });
    const byId = new Map(expected.map((event) => [event.eventId, event]));
    for (const record of records) {
      const event = byId.get(record.headers['ce_id'] ?? '') as FlightEvent;
      expect(record.headers['content-type']).toBe('application/json');
      expect(record.value?.toString('utf8')).toBe(new TextDecoder().decode(encodeFlightEvent(event, 'json').value));
    }
  });

  /**
   * The real producer behind a broker that goes away: sends go through until
   * `outage.start` has been acknowledged, then fail as an unreachable broker
   * does for `outage.failures` attempts (Infinity: it never comes back).
   */
  function producerWithOutage(outage: { readonly afterEvents: number; readonly failures: number }): TypedProducer & { failedSends: number } {
    let acknowledged = 0;
    const wrapper = {
      failedSends: 0,
      start: () => producer.start(),
      close: () => Promise.resolve(),
      send: (async (topic, records) => {
        if (acknowledged >= outage.afterEvents && wrapper.failedSends < outage.failures) {
          wrapper.failedSends++;
          throw new KafkaUnavailableError(`send to ${topic.name}`, new Error('connect ECONNREFUSED 127.0.0.1:9092'));
        }
        const metadata = await producer.send(topic, records);
        acknowledged += records.length;
        return metadata;
      }) as TypedProducer['send'],
    };
    return wrapper;
  }

  async function idsIn(topic: string, count: number): Promise<string[]> {
    return (await readRecords(kafka, topic, count, { timeoutMs: 45_000 })).map((record) => record.headers['ce_id'] ?? '');
  }

  it('retries through a broker outage, logging each retry, and loses or repeats nothing', async () => {
    const topic = await testTopics.create(topics.eventsRaw);
    const outage = producerWithOutage({ afterEvents: 100, failures: 3 });
    const retries: string[] = [];
    const done = await publishFlights({
      producer: outage,
      topic,
      maxFlights: flights,
      batchSize: 50,
      onRetry: (error, attempt) => retries.push(`${attempt}: ${error.message}`),
    });
    expect(done.events).toBe(2 * flights);
    expect(outage.failedSends).toBe(3);
    expect(retries).toEqual([0, 1, 2].map((attempt) => `${attempt}: kafka send to ${topic.name} failed: connect ECONNREFUSED 127.0.0.1:9092`));
    const ids = await idsIn(topic.name, 2 * flights);
    expect(ids.sort()).toEqual(expected.map((event) => event.eventId).sort());
  });

  it('gives up after retryForMs, says how many events were acknowledged and how to resume; the resumed run sends exactly the rest', async () => {
    const topic = await testTopics.create(topics.eventsRaw);
    let acknowledged = 0;
    const failure = await publishFlights({
      producer: producerWithOutage({ afterEvents: 128, failures: Infinity }),
      topic,
      maxFlights: flights,
      batchSize: 64,
      retryForMs: 1500,
      onProgress: (progress) => (acknowledged = progress.events),
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(failure).toBeInstanceOf(KafkaUnavailableError);
    expect(acknowledged).toBe(128);
    const message = gaveUpMessage({ acknowledged, topic: topic.name, error: failure as KafkaUnavailableError, args: ['publish', '--flights', String(flights), '--batch-size', '64'] });
    expect(message).toBe(
      [
        `✗ gave up: kafka send to ${topic.name} failed: connect ECONNREFUSED 127.0.0.1:9092`,
        `  128 events were acknowledged by ${topic.name}: the first 128 of the slice, in order.`,
        `  To publish the rest without resending any of them: tributary publish --flights ${flights} --batch-size 64 --skip 128`,
        '  (Resending acknowledged events would do no harm either: ingestion drops event ids it has already written.)',
      ].join('\n'),
    );

    const resumed = await publishFlights({ producer, topic, maxFlights: flights, batchSize: 64, skipEvents: 128 });
    expect(resumed.events).toBe(2 * flights - 128);
    const ids = await idsIn(topic.name, 2 * flights);
    expect(ids.sort()).toEqual(expected.map((event) => event.eventId).sort());
    expect(new Set(ids).size).toBe(2 * flights);
  }, 60_000);
});
