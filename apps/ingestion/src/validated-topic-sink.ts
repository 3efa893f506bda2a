import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Event } from '@tributary/contracts';
import type { EventSink } from '@tributary/ingest';
import { createBytesCodec, type TopicDefinition, type TypedProducer } from '@tributary/kafka';

/**
 * `events.validated` as a sink of the ingestor: each accepted event keyed by
 * its entity, with its own id, type and time in the CloudEvents headers. The
 * values are the ingestor's protobuf bytes (the producer's own, with the
 * ingest time appended, when it sent protobuf): no second encoding. The send
 * resolves once every in-sync replica has it (acks = all).
 */
export function createValidatedTopicSink(producer: TypedProducer, topic: TopicDefinition<Event>): EventSink {
  const asBytes: TopicDefinition<Uint8Array> = { ...topic, codec: createBytesCodec({ contentType: topic.codec.contentType }) };
  return {
    name: `kafka:${topic.name}`,
    async write(events, protobuf) {
      await producer.send(
        asBytes,
        events.map((event, i) => ({
          key: event.entityId,
          value: protobuf[i] as Uint8Array,
          id: event.eventId,
          type: event.type,
          ...(event.eventTime ? { time: new Date(timestampMs(event.eventTime)) } : {}),
        })),
      );
    },
  };
}
