import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { validatedEventBytes } from './validated-bytes.js';

const produced = create(EventSchema, {
  eventId: 'evt-1',
  type: 'flight.departed',
  source: '/producers/test',
  entityId: 'AA1-ORD-LAX',
  eventTime: timestampFromMs(Date.UTC(2001, 0, 1, 6, 30)),
  payload: { case: 'flightDeparted', value: { flightKey: 'AA1-ORD-LAX', origin: 'ORD', destination: 'LAX', distanceMiles: 1745 } },
});

describe('validatedEventBytes()', () => {
  it("appends ingest_time to the producer's protobuf: the bytes decode to the validated event", () => {
    const validated = { ...produced, ingestTime: timestampFromMs(Date.UTC(2026, 10, 23, 12, 0, 0, 250)) };
    const bytes = validatedEventBytes(validated, toBinary(EventSchema, produced));
    expect(fromBinary(EventSchema, bytes)).toEqual(validated);
  });

  it("replaces an ingest_time the producer set, nanos included, even with a whole-second time", () => {
    const withOwnTime = { ...produced, ingestTime: timestampFromMs(Date.UTC(2001, 0, 1, 0, 0, 0, 999)) };
    const validated = { ...withOwnTime, ingestTime: timestampFromMs(Date.UTC(2026, 10, 23)) };
    const decoded = fromBinary(EventSchema, validatedEventBytes(validated, toBinary(EventSchema, withOwnTime)));
    expect(decoded.ingestTime).toEqual(validated.ingestTime);
    expect(decoded.ingestTime?.nanos).toBe(0);
  });

  it('encodes the event when there are no producer bytes (JSON or gRPC input)', () => {
    const validated = { ...produced, ingestTime: timestampFromMs(Date.UTC(2026, 10, 23)) };
    expect(fromBinary(EventSchema, validatedEventBytes(validated))).toEqual(validated);
  });
});
