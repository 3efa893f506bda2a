import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Event } from '@tributary/contracts';
import type { EventSink } from '@tributary/ingest';
import { createBytesCodec, type TopicDefinition, type TypedProducer } from '@tributary/kafka';

/**
 * `events.validated` as a sink of the ingestor: each accepted event keyed by
 * its entity, with its own id, type and time in the CloudEvents headers. The
 * values are the ingestor's protobuf bytes (the producer's own, with the
 * ingest time appended, when it sent protobuf): no second encoding. The send
 * resolves once every in-sync replica has it (acks = all). Each record
 * continues the trace of the raw record its event came in, though the batch
 * was handled in a trace of its own (`traceContext` of the producer).
 */
export function createValidatedTopicSink(producer: TypedProducer, topic: TopicDefinition<Event>): EventSink {
  const asBytes: TopicDefinition<Uint8Array> = { ...topic, codec: createBytesCodec({ contentType: topic.codec.contentType }) };
  return {
    name: `kafka:${topic.name}`,
    async write(events, protobuf, traceContexts) {
      await producer.send(
        asBytes,
        events.map((event, i) => ({
          key: event.entityId,
          value: protobuf[i] as Uint8Array,
          id: event.eventId,
          type: event.type,
          traceContext: traceContexts?.[i],
          ...(event.eventTime ? { time: new Date(timestampMs(event.eventTime)) } : {}),
        })),
      );
    },
  };
}
