import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Event } from '@tributary/contracts';
import type { EventSink } from '@tributary/ingest';
import type { TopicDefinition, TypedProducer } from '@tributary/kafka';

/**
 * `events.validated` as a sink of the ingestor: each accepted event keyed by
 * its entity, with its own id, type and time in the CloudEvents headers. The
 * send resolves once every in-sync replica has it (acks = all).
 */
export function createValidatedTopicSink(producer: TypedProducer, topic: TopicDefinition<Event>): EventSink {
  return {
    name: `kafka:${topic.name}`,
    async write(events) {
      await producer.send(
        topic,
        events.map((event) => ({
          key: event.entityId,
          value: event,
          id: event.eventId,
          type: event.type,
          ...(event.eventTime ? { time: new Date(timestampMs(event.eventTime)) } : {}),
        })),
      );
    },
  };
}
