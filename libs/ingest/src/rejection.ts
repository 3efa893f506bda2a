/**
 * Why an event was rejected, machine-readable: the value of the `dlq_reason`
 * header and of the `reason` metric label. Dotted like the contracts' examples.
 */
export const RejectReason = {
  /** The bytes are neither a `tributary.v1.Event` in protobuf nor in its JSON mapping. */
  malformed: 'decode.malformed',
  /** The event type has no registered schema. */
  unknownType: 'type.unknown',
  /** A required field is absent or empty. */
  missingField: 'schema.missing_field',
  /** A number lies outside its plausible range. */
  outOfRange: 'schema.out_of_range',
  /** A value has the wrong form (an airport code that is not one) or contradicts another field. */
  invalidValue: 'schema.invalid_value',
  /** The payload's case does not agree with the event type. */
  payloadMismatch: 'schema.payload_mismatch',
  /** The event time lies further in the future than the clock tolerance allows. */
  futureEventTime: 'time.future',
} as const;

export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Why one event was rejected: a reason code for machines and a message for people. */
export interface Rejection {
  readonly reason: RejectReason;
  /** e.g. `flightArrived.arrivalDelayMinutes -1116 is outside -90…1440`. */
  readonly message: string;
  /** The offending field's path, when one field is to blame. */
  readonly field?: string;
}

/** Builds a {@link Rejection}; `field`, when given, also prefixes the message. */
export function reject(reason: RejectReason, message: string, field?: string): Rejection {
  return field === undefined ? { reason, message } : { reason, message: `${field}: ${message}`, field };
}
