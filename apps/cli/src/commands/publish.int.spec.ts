import { encodeFlightEvent, readFlightEvents, type FlightEvent } from '@tributary/flights';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createTestTopics, readRecords } from '@tributary/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFlights } from './publish.js';

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
});
