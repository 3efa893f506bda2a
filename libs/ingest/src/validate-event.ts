import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import type { Event } from '@tributary/contracts';
import { requiredString, requiredTimestamp, type FieldRule } from './field-rules.js';
import { RejectReason, reject, type Rejection } from './rejection.js';
import type { SchemaRegistry } from './schema-registry.js';

/** Options of {@link createEventValidator}. */
export interface EventValidatorOptions {
  /** The known event types and their schemas. */
  readonly registry: SchemaRegistry;
  /**
   * The clock, in ms since the epoch, that "future" and `ingestTime` are
   * measured against. Default `Date.now` (wall clock: replayed 2001 flights are
   * never from the future; a test or a simulation may pass its own).
   */
  readonly clock?: () => number;
  /** How far an event time may lie ahead of the clock (producers' clocks drift). Default 300000 (5 min). */
  readonly maxFutureSkewMs?: number;
}

/** The outcome of validating one event. */
export type ValidationResult =
  | { readonly ok: true; /** The event with `ingestTime` set. */ readonly event: Event }
  | { readonly ok: false; readonly rejection: Rejection };

/** Validates one decoded event; never throws. */
export type EventValidator = (event: Event) => ValidationResult;

/** The envelope's rules, as a list so the hot path does not rebuild it per event. */
const envelopeRules: readonly (readonly [keyof Event & string, FieldRule])[] = [
  ['eventId', requiredString({ maxLength: 128 })],
  ['type', requiredString({ maxLength: 128 })],
  ['source', requiredString()],
  ['entityId', requiredString()],
  ['eventTime', requiredTimestamp()],
];

/**
 * A validator of decoded events: the envelope's required fields, a known
 * type, an event time not further ahead of the clock than the tolerance,
 * then the type's own schema (payload case, field types and ranges, checks
 * across fields). An accepted event comes back as a copy with `ingestTime`
 * set from the clock; the first problem found is the rejection.
 */
export function createEventValidator(options: EventValidatorOptions): EventValidator {
  const { registry, clock = Date.now, maxFutureSkewMs = 300_000 } = options;
  return (event) => {
    for (const [field, rule] of envelopeRules) {
      const rejection = rule(event[field], field);
      if (rejection) return { ok: false, rejection };
    }
    const schema = registry.get(event.type);
    if (!schema) {
      return { ok: false, rejection: reject(RejectReason.unknownType, `no schema is registered for ${JSON.stringify(event.type)}`, 'type') };
    }
    const nowMs = clock();
    const eventTimeMs = timestampMs(event.eventTime!);
    if (eventTimeMs > nowMs + maxFutureSkewMs) {
      const ahead = `${new Date(eventTimeMs).toISOString()} is ${eventTimeMs - nowMs} ms ahead of the clock (tolerance ${maxFutureSkewMs} ms)`;
      return { ok: false, rejection: reject(RejectReason.futureEventTime, ahead, 'eventTime') };
    }
    const rejection = schema.validatePayload(event);
    if (rejection) return { ok: false, rejection };
    return { ok: true, event: { ...event, ingestTime: timestampFromMs(nowMs) } };
  };
}
