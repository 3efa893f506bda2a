import type { Event } from '@tributary/contracts';
import type { FieldRule } from './field-rules.js';
import { RejectReason, reject, type Rejection } from './rejection.js';

/** The cases of `Event.payload`: one per domain event message. */
export type PayloadCase = NonNullable<Event['payload']['case']>;

/** The payload message of a case, e.g. `FlightArrived` for `flightArrived`. */
export type PayloadOf<C extends PayloadCase> = Extract<Event['payload'], { case: C }>['value'];

/** A check across fields, run after every field passed its own rule. */
export type PayloadCheck<C extends PayloadCase> = (payload: PayloadOf<C>, event: Event) => Rejection | undefined;

/** What {@link defineEventSchema} takes: one event type, declared. */
export interface EventSchemaDefinition<C extends PayloadCase> {
  /** Event type in dotted lower case, e.g. `flight.arrived`. */
  readonly type: string;
  /** The payload case events of this type must carry. */
  readonly payloadCase: C;
  /** A rule per payload field; fields without one are not checked. */
  readonly fields: { readonly [K in Exclude<keyof PayloadOf<C>, '$typeName' | '$unknown'>]?: FieldRule };
  /** Checks across fields (e.g. arrival not before departure). Default none. */
  readonly checks?: readonly PayloadCheck<C>[];
}

/** The registered schema of one event type, as the validator uses it. */
export interface EventTypeSchema {
  readonly type: string;
  readonly payloadCase: PayloadCase;
  /** The first thing wrong with the event's payload, or undefined when it is valid. */
  validatePayload(event: Event): Rejection | undefined;
}

/** Turns a declaration of an event type into the schema the registry holds. */
export function defineEventSchema<C extends PayloadCase>(definition: EventSchemaDefinition<C>): EventTypeSchema {
  const { type, payloadCase, checks = [] } = definition;
  const fields = Object.entries(definition.fields) as [string, FieldRule][];
  return {
    type,
    payloadCase,
    validatePayload(event) {
      const { payload } = event;
      if (payload.case === undefined) return reject(RejectReason.missingField, `${type} needs a ${payloadCase} payload`, 'payload');
      if (payload.case !== payloadCase) {
        return reject(RejectReason.payloadMismatch, `${type} needs a ${payloadCase} payload, not ${payload.case}`, 'payload');
      }
      const value = payload.value as PayloadOf<C>;
      const record = value as unknown as Readonly<Record<string, unknown>>;
      for (const [name, rule] of fields) {
        const rejection = rule(record[name], `${payloadCase}.${name}`);
        if (rejection) return rejection;
      }
      for (const check of checks) {
        const rejection = check(value, event);
        if (rejection) return rejection;
      }
      return undefined;
    },
  };
}
