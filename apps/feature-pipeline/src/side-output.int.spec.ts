import { toBinary } from '@bufbuild/protobuf';
import { EventSchema, type Event } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { readFlightEvents, toEventMessage } from '@tributary/flights';
import { DeadLetterHeader, createConsumer, createKafkaClient, createProducer, deadLetterId, topics, type TypedConsumer } from '@tributary/kafka';
import { createTestTopics, readRecords, uniqueName } from '@tributary/kafka/testing';
import { createLogger } from '@tributary/observability';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createSideOutput } from './side-output.js';

const logger = createLogger({ name: 'side-output-test', level: 'warn' });
const kafka = createKafkaClient({ clientId: 'side-output-test', logger });
const testTopics = createTestTopics(kafka);
const admin = kafka.admin();
const consumers: TypedConsumer[] = [];

afterAll(async () => {
  await Promise.allSettled(consumers.map((consumer) => consumer.close()));
  await admin.disconnect();
  await testTopics.deleteAll();
});

async function recordsIn(topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
}

describe('createSideOutput()', { timeout: 60_000 }, () => {
  it("dead-letters refused events through the consumer as they were consumed, with the reason and a stable id, once however often the batch is retried", async () => {
    const [validated, deadLetterTopic] = await Promise.all([testTopics.create({ ...topics.eventsValidated, partitions: 1 }), testTopics.create(topics.eventsDlq)]);
    const events: Event[] = [];
    for await (const flightEvent of readFlightEvents({ maxFlights: 2 })) if (events.length < 2) events.push(toEventMessage(flightEvent));
    const producer = createProducer({ kafka, source: '/tests/side-output', logger });
    await producer.start();
    try {
      await producer.send(validated, events.map((event) => ({ key: event.entityId, value: event, id: event.eventId, type: event.type })));
    } finally {
      await producer.close();
    }
    await admin.connect();

    const groupId = uniqueName('side-output-test');
    const sideOutput = createSideOutput();
    let calls = 0;
    const positions: string[] = [];
    const consumer = createConsumer({
      kafka,
      groupId,
      topic: validated,
      deadLetterTopic: deadLetterTopic.name,
      retries: 3,
      retryBaseDelayMs: 5,
      maxWaitTimeMs: 100,
      maxBatchSize: events.length,
      logger,
      batchHandler: async (records, context) => {
        const featureRecords = sideOutput.toFeatureRecords(records, context);
        positions.push(...featureRecords.map(({ source, offset }) => `${source}@${offset}`));
        // The engine refuses the first event as late and the second as invalid; then the stores fail the batch twice.
        const [late, invalid] = featureRecords;
        if (!late || !invalid) throw new Error('expected the whole batch in one call');
        await sideOutput.publish([
          { record: late, reason: 'too_late', detail: 'event time is before the watermark' },
          { record: invalid, reason: 'invalid', detail: 'missing field delay' },
        ]);
        if (++calls <= 2) throw new TributaryError(Code.Unavailable, 'store down', { retryable: true });
      },
    });
    consumers.push(consumer);
    await consumer.start();

    await vi.waitFor(() => expect(calls).toBe(3), { timeout: 30_000 });
    await consumer.close();
    expect(new Set(positions)).toEqual(new Set([`${validated.name}/0@0`, `${validated.name}/0@1`]));
    expect(await recordsIn(deadLetterTopic.name)).toBe(2);
    const letters = await readRecords(kafka, deadLetterTopic.name, 2);
    const byOffset = new Map(letters.map((letter) => [letter.headers[DeadLetterHeader.sourceOffset], letter]));
    for (const [offset, reason, code, detail] of [
      ['0', 'too_late', 'OutOfRange', 'event time is before the watermark'],
      ['1', 'invalid', 'InvalidArgument', 'missing field delay'],
    ] as const) {
      const event = events[Number(offset)] as Event;
      const letter = byOffset.get(offset);
      const id = deadLetterId({ topic: validated.name, partition: 0, offset }, groupId);
      expect(letter?.key).toBe(event.entityId);
      expect(letter?.value).toEqual(Buffer.from(toBinary(EventSchema, event)));
      expect(letter?.headers).toMatchObject({
        [DeadLetterHeader.reason]: `features.${reason}`,
        [DeadLetterHeader.error]: detail,
        [DeadLetterHeader.errorCode]: code,
        [DeadLetterHeader.id]: id,
        ce_id: id,
        [DeadLetterHeader.sourceCeId]: event.eventId,
        ce_type: event.type,
        [DeadLetterHeader.sourceTopic]: validated.name,
        [DeadLetterHeader.sourcePartition]: '0',
        [DeadLetterHeader.consumerGroup]: groupId,
      });
    }
  });

});
