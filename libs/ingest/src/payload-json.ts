import { toJsonString, type DescMessage } from '@bufbuild/protobuf';
import { EventSchema, type Event } from '@tributary/contracts';

/** The message type of each `Event.payload` case, read from the contract so a new case needs no code here. */
const payloadTypes: ReadonlyMap<string, DescMessage> = new Map(
  EventSchema.oneofs
    .find((oneof) => oneof.name === 'payload')
    ?.fields.flatMap((field) => (field.fieldKind === 'message' ? [[field.localName, field.message] as const] : [])) ?? [],
);

/**
 * The event's payload in the protobuf JSON mapping (camelCase names, RFC 3339
 * timestamps), zero values included so that a delay of 0 is written as 0;
 * `{}` for an event without payload.
 */
export function payloadJson(event: Event): string {
  const { payload } = event;
  const type = payload.case === undefined ? undefined : payloadTypes.get(payload.case);
  if (!type || payload.value === undefined) return '{}';
  return toJsonString(type, payload.value, { alwaysEmitImplicit: true });
}
