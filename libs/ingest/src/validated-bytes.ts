import { toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { EventSchema, type Event } from '@tributary/contracts';

const INGEST_TIME_FIELD = EventSchema.field.ingestTime.number;

/**
 * A validated event in protobuf binary. When the producer sent protobuf, its
 * own bytes are reused with `ingest_time` appended rather than the whole
 * event encoded again (a protobuf parser merges a repeated message field
 * into one, last value winning field by field — so both `seconds` and
 * `nanos` are written, zeros too, and a producer's own `ingest_time` is
 * fully replaced). Unknown fields the producer sent stay, as a re-encode
 * would keep them too. Otherwise (JSON, gRPC) the event is encoded.
 */
export function validatedEventBytes(event: Event, producerProtobuf?: Uint8Array): Uint8Array {
  if (!producerProtobuf || !event.ingestTime) return toBinary(EventSchema, event);
  const suffix = ingestTimeField(event.ingestTime);
  const bytes = new Uint8Array(producerProtobuf.length + suffix.length);
  bytes.set(producerProtobuf);
  bytes.set(suffix, producerProtobuf.length);
  return bytes;
}

function ingestTimeField(time: Timestamp): Uint8Array {
  const writer = new BinaryWriter();
  writer.tag(INGEST_TIME_FIELD, WireType.LengthDelimited).fork();
  writer.tag(1, WireType.Varint).int64(time.seconds);
  writer.tag(2, WireType.Varint).int32(time.nanos);
  writer.join();
  return writer.finish();
}
