import { fromBinary } from '@bufbuild/protobuf';
import { EventSchema, type Event } from '@tributary/contracts';
import { readFlightEvents, toEventMessage } from '@tributary/flights';
import { DeadLetterHeader, createKafkaClient, createProducer, topics, type ConsumedRecord } from '@tributary/kafka';
import { createTestTopics, readRecords } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import { afterAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASON_HEADER, createSideOutput } from './side-output.js';

const logger = createLogger({ name: 'side-output-test', level: 'warn' });
const kafka = createKafkaClient({ clientId: 'side-output-test', logger });
const testTopics = createTestTopics(kafka);

afterAll(async () => {
  await testTopics.deleteAll();
});

describe('createSideOutput()', { timeout: 60_000 }, () => {
  it('sends a refused event to the dead-letter topic as it was consumed, with the reason and its source position', async () => {
    const deadLetterTopic = await testTopics.create(topics.eventsDlq);
    const producer = createProducer({ kafka, source: '/tests/side-output', logger });
    try {
      const sideOutput = createSideOutput({ producer, deadLetterTopic, groupId: 'feature-pipeline-test' });
      let event: Event | undefined;
      for await (const flightEvent of readFlightEvents({ maxFlights: 1 })) event ??= toEventMessage(flightEvent);
      const headers: Record<string, string> = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
      const consumed: ConsumedRecord<Event> = {
        topic: 'events.validated',
        partition: 2,
        offset: '41',
        key: event?.entityId ?? null,
        value: event as Event,
        headers,
        header: (name) => headers[name],
        timestamp: new Date(),
      };
      const [record] = sideOutput.toFeatureRecords([consumed]);
      expect(record).toMatchObject({ source: 'events.validated/2', offset: 41n, event: { id: event?.eventId, type: event?.type } });
      await sideOutput.publish([{ record: record as NonNullable<typeof record>, reason: 'too_late', detail: 'event time is before the watermark' }]);

      const [letter] = await readRecords(kafka, deadLetterTopic.name, 1);
      expect(fromBinary(EventSchema, letter?.value as Buffer)).toEqual(event);
      expect(letter?.key).toBe(event?.entityId);
      expect(letter?.headers).toMatchObject({
        [DEAD_LETTER_REASON_HEADER]: 'features.too_late',
        [DeadLetterHeader.error]: 'event time is before the watermark',
        [DeadLetterHeader.errorCode]: 'OutOfRange',
        [DeadLetterHeader.sourceTopic]: 'events.validated',
        [DeadLetterHeader.sourcePartition]: '2',
        [DeadLetterHeader.sourceOffset]: '41',
        [DeadLetterHeader.consumerGroup]: 'feature-pipeline-test',
        ce_id: event?.eventId,
        ce_type: event?.type,
      });
    } finally {
      await producer.close();
    }
  });
});
