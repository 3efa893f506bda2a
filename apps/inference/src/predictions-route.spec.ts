import { InvalidInputError } from '@tributary/serving';
import { describe, expect, it } from 'vitest';
import { toServingRequest } from './predictions-route.js';

describe('toServingRequest() of POST /v1/predictions', () => {
  it('splits features into numeric and categorical values and keeps the optional fields', () => {
    const request = toServingRequest(
      {
        model_id: 'flight-delay',
        features: { distance_miles: 1744, origin_code: 'ORD' },
        alias: 'challenger',
        version: 3,
        event_id: 'e-1',
        request_id: 'r-1',
        flight: { origin: 'ORD', destination: 'LAX', departure_time: '2001-03-05T14:30:00Z', distance_miles: 1744 },
      },
      42,
    );
    expect(request).toEqual({
      model: 'flight-delay',
      alias: 'challenger',
      version: 3,
      flight: { origin: 'ORD', destination: 'LAX', departureTimeMs: Date.UTC(2001, 2, 5, 14, 30), distanceMiles: 1744 },
      features: { distance_miles: 1744 },
      categorical: { origin_code: 'ORD' },
      eventId: 'e-1',
      requestId: 'r-1',
      deadlineAtMs: 42,
    });
  });

  it('generates a request id when none is given', () => {
    expect(toServingRequest({ model_id: 'flight-delay', features: { a: 1 } }, 0).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    [null, /send a JSON object/],
    [{ features: {} }, /model_id is missing/],
    [{ model_id: 'm', features: [1, 2] }, /features must be an object/],
    [{ model_id: 'm', features: { a: null } }, /feature "a" is null; send a number or a string/],
    [{ model_id: 'm', version: 1.5 }, /version must be a whole number/],
    [{ model_id: 'm', flight: { origin: 'ORD', destination: 'LAX', departure_time: 'yesterday', distance_miles: 1 } }, /departure_time must be an ISO-8601 time/],
    [{ model_id: 'm', flight: { origin: 'ORD', destination: 'LAX', departure_time: '2001-03-05T14:30:00Z' } }, /distance_miles must be a number/],
  ])('refuses %j with a message that says what to fix', (body, message) => {
    expect(() => toServingRequest(body, 0)).toThrow(InvalidInputError);
    expect(() => toServingRequest(body, 0)).toThrow(message);
  });
});
