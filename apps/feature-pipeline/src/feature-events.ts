import { fromJsonString, type DescMessage } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, type Event } from '@tributary/contracts';
import type { FeatureEvent } from '@tributary/features';
import { flightEventSchemas, type RawEventRow } from '@tributary/ingest';

/**
 * The flat fields of a payload message: its string and number fields by name
 * (`origin`, `arrivalDelayMinutes`, …). Nested messages (timestamps) and the
 * message's `$typeName` are left out: feature definitions key on strings and
 * aggregate numbers.
 */
function scalarFields(payload: object | undefined): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  if (!payload) return fields;
  // for…in rather than Object.entries: this runs once per consumed event, and allocates no pairs.
  for (const name in payload) {
    const value = (payload as Record<string, unknown>)[name];
    if ((typeof value === 'string' || typeof value === 'number') && name[0] !== '$') fields[name] = value;
  }
  return fields;
}

/** A `tributary.v1.Event` from `events.validated` as the aggregation engine reads it. */
export function featureEventOf(event: Event): FeatureEvent {
  return {
    id: event.eventId,
    type: event.type,
    timeMs: event.eventTime ? timestampMs(event.eventTime) : Number.NaN,
    fields: scalarFields(event.payload.value),
  };
}

/** The payload message type of each registered event type, from the contract and ingestion's schemas. */
const payloadTypes: ReadonlyMap<string, DescMessage> = new Map(
  flightEventSchemas.flatMap(({ type, payloadCase }) => {
    const field = EventSchema.fields.find((f) => f.localName === payloadCase);
    return field?.fieldKind === 'message' ? [[type, field.message] as const] : [];
  }),
);

/**
 * A raw table row as a {@link FeatureEvent}: the payload is parsed back into
 * its message with the contract, so it yields exactly the fields the same
 * event read from Kafka does. An unknown type or unreadable payload gives no
 * fields (the engine then ignores or rejects the event).
 */
export function featureEventOfRow(row: RawEventRow): FeatureEvent {
  const type = payloadTypes.get(row.type);
  let payload: object | undefined;
  try {
    payload = type ? fromJsonString(type, row.payloadJson) : undefined;
  } catch {
    payload = undefined;
  }
  return { id: row.eventId, type: row.type, timeMs: row.eventTimeMs, fields: scalarFields(payload) };
}
