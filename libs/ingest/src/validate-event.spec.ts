import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, FlightArrivedSchema, type Event } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { arrivedMessage, departedMessage, sampleFlight, unknownTypeMessage } from './testing/flight-messages.js';
import { RejectReason, createEventValidator, createSchemaRegistry, flightEventSchemas, type ValidationResult } from './index.js';

const nowMs = Date.UTC(2026, 0, 1);
const validate = createEventValidator({ registry: createSchemaRegistry(flightEventSchemas), clock: () => nowMs });

function reasonOf(result: ValidationResult): string | undefined {
  return result.ok ? undefined : result.rejection.reason;
}

/** The arrival of the sample flight with its payload changed. */
function arrivalWith(payload: Partial<Extract<Event['payload'], { case: 'flightArrived' }>['value']>): Event {
  const event = arrivedMessage();
  if (event.payload.case !== 'flightArrived') throw new Error('not an arrival');
  return { ...event, payload: { case: 'flightArrived', value: create(FlightArrivedSchema, { ...event.payload.value, ...payload }) } };
}

describe('createEventValidator()', () => {
  it('accepts a departure and an arrival from 2001 and stamps the ingest time from the clock', () => {
    for (const event of [departedMessage(), arrivedMessage()]) {
      const result = validate(event);
      expect(result.ok).toBe(true);
      if (result.ok) {
        expect(timestampMs(result.event.ingestTime!)).toBe(nowMs);
        expect({ ...result.event, ingestTime: undefined }).toEqual(event);
      }
    }
  });

  it('rejects an event time beyond year 9999 as out of range instead of throwing while describing it (found by fuzzing)', () => {
    const result = validate({ ...departedMessage(), eventTime: { $typeName: 'google.protobuf.Timestamp', seconds: 3_713_383_201_486_888_604n, nanos: 0 } });
    expect(result).toEqual({
      ok: false,
      rejection: { reason: RejectReason.outOfRange, field: 'eventTime', message: 'eventTime: 3713383201486888604 s is outside years 1…9999' },
    });
  });

  it('rejects an unknown event type with a reason', () => {
    expect(reasonOf(validate(unknownTypeMessage()))).toBe(RejectReason.unknownType);
  });

  it('rejects an event without id, source, entity or event time', () => {
    const event = departedMessage();
    expect(reasonOf(validate({ ...event, eventId: '' }))).toBe(RejectReason.missingField);
    expect(reasonOf(validate({ ...event, source: '' }))).toBe(RejectReason.missingField);
    expect(reasonOf(validate({ ...event, entityId: '' }))).toBe(RejectReason.missingField);
    expect(reasonOf(validate({ ...event, eventTime: undefined }))).toBe(RejectReason.missingField);
  });

  it("rejects the dataset's absurd arrival delay of −1116 minutes as out of range", () => {
    const result = validate(arrivedMessage(sampleFlight({ arrivalDelayMinutes: -1116 })));
    expect(result).toMatchObject({ ok: false, rejection: { reason: RejectReason.outOfRange, field: 'flightArrived.arrivalDelayMinutes' } });
    expect(reasonOf(validate(arrivedMessage(sampleFlight({ arrivalDelayMinutes: 1440 }))))).toBeUndefined();
  });

  it('rejects a departure of 0 miles, which is also what a missing distance reads as', () => {
    expect(reasonOf(validate(departedMessage(sampleFlight({ distanceMiles: 0 }))))).toBe(RejectReason.outOfRange);
  });

  it('rejects an airport code that is not one', () => {
    const result = validate(departedMessage(sampleFlight({ origin: 'ord' })));
    expect(result).toMatchObject({ ok: false, rejection: { reason: RejectReason.invalidValue, field: 'flightDeparted.origin' } });
  });

  it('rejects a departure from the future beyond the tolerance, with a reason', () => {
    // On time: a delayed flight this soon after midnight would have left a day later (see @tributary/flights).
    const inTolerance = departedMessage(sampleFlight({ departureTimeMs: nowMs + 299_000, arrivalDelayMinutes: 0 }));
    const beyond = departedMessage(sampleFlight({ departureTimeMs: nowMs + 301_000, arrivalDelayMinutes: 0 }));
    expect(validate(inTolerance).ok).toBe(true);
    expect(validate(beyond)).toMatchObject({ ok: false, rejection: { reason: RejectReason.futureEventTime, field: 'eventTime' } });
  });

  it('measures the future against the injected clock', () => {
    const inThePast = createEventValidator({ registry: createSchemaRegistry(flightEventSchemas), clock: () => Date.UTC(2001, 0, 1) });
    expect(reasonOf(inThePast(departedMessage()))).toBe(RejectReason.futureEventTime);
  });

  it('rejects a payload that does not agree with the type', () => {
    const departed = departedMessage();
    expect(reasonOf(validate({ ...departed, type: 'flight.arrived' }))).toBe(RejectReason.payloadMismatch);
    expect(reasonOf(validate(create(EventSchema, { ...departed, payload: { case: undefined } })))).toBe(RejectReason.missingField);
  });

  it('rejects an arrival before its departure and one whose arrival time is not its event time', () => {
    const event = arrivedMessage();
    const early = { ...arrivalWith({ arrivalTime: timestampFromMs(0) }), eventTime: timestampFromMs(0) };
    expect(validate(early)).toMatchObject({ ok: false, rejection: { field: 'flightArrived.arrivalTime', reason: RejectReason.invalidValue } });
    const shifted = { ...event, eventTime: timestampFromMs(timestampMs(event.eventTime!) + 60_000) };
    expect(validate(shifted)).toMatchObject({ ok: false, rejection: { field: 'flightArrived.arrivalTime' } });
  });

  it('says which field is missing in the message', () => {
    const result = validate(arrivalWith({ flightKey: '' }));
    expect(result).toMatchObject({ ok: false, rejection: { reason: RejectReason.missingField, message: 'flightArrived.flightKey: is required' } });
  });
});
