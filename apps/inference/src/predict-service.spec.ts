import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { PredictRequestSchema } from '@tributary/contracts';
import { InvalidInputError } from '@tributary/serving';
import { describe, expect, it } from 'vitest';
import { toServingRequest } from './predict-service.js';

describe('toServingRequest() of a tributary.v1 PredictRequest', () => {
  it('maps the flight, the features, the event id and the route as canary key', () => {
    const request = create(PredictRequestSchema, {
      modelName: 'flight-delay',
      alias: 'challenger',
      requestId: 'r-1',
      eventId: 'departed-1',
      entityIds: { origin: 'ORD', route: 'ORD-LAX' },
      features: { distance_miles: 1744 },
      categoricalFeatures: { origin_code: 'ORD' },
      flight: { origin: 'ORD', destination: 'LAX', departureTime: timestampFromMs(Date.UTC(2001, 2, 5, 14, 30)), distanceMiles: 1744 },
    });
    expect(toServingRequest(request, 7)).toEqual({
      model: 'flight-delay',
      alias: 'challenger',
      flight: { origin: 'ORD', destination: 'LAX', departureTimeMs: Date.UTC(2001, 2, 5, 14, 30), distanceMiles: 1744 },
      features: { distance_miles: 1744 },
      categorical: { origin_code: 'ORD' },
      entityKey: 'ORD-LAX',
      eventId: 'departed-1',
      requestId: 'r-1',
      deadlineAtMs: 7,
    });
  });

  it('passes a feature row as float32 and generates a request id', () => {
    const serving = toServingRequest(create(PredictRequestSchema, { modelName: 'm', featureVector: [1.5, Number.NaN] }), 0);
    expect(serving.vector).toEqual(Float32Array.from([1.5, Number.NaN]));
    expect(serving.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a request without a model or a flight without its departure', () => {
    expect(() => toServingRequest(create(PredictRequestSchema, {}), 0)).toThrow(InvalidInputError);
    expect(() => toServingRequest(create(PredictRequestSchema, { modelName: 'm', flight: { origin: 'ORD' } }), 0)).toThrow('flight.departure_time is missing');
  });
});
