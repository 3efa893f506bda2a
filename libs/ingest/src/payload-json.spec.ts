import { create } from '@bufbuild/protobuf';
import { EventSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { arrivedMessage, departedMessage, sampleFlight } from './testing/flight-messages.js';
import { payloadJson } from './index.js';

describe('payloadJson()', () => {
  it('writes the payload in the protobuf JSON mapping', () => {
    expect(JSON.parse(payloadJson(departedMessage()))).toEqual({
      flightKey: '20010115T0930-ORD-LAX-1',
      origin: 'ORD',
      destination: 'LAX',
      distanceMiles: 1745,
      departureTime: '2001-01-15T09:30:00Z',
    });
  });

  it('keeps a delay of zero minutes', () => {
    expect(JSON.parse(payloadJson(arrivedMessage(sampleFlight({ arrivalDelayMinutes: 0 }))))).toMatchObject({ arrivalDelayMinutes: 0 });
  });

  it('is an empty object for an event without payload', () => {
    expect(payloadJson(create(EventSchema, { eventId: 'x' }))).toBe('{}');
  });
});
