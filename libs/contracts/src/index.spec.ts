import { create, fromBinary, fromJson, toBinary, toJson } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import {
  EventSchema,
  ModelLifecycleEventSchema,
  ModelLifecycleEventType,
  PredictResponseSchema,
  ServingTier,
} from './index.js';
import { ModelProtoSchema, TensorProto_DataType } from './onnx.js';

const departed = create(EventSchema, {
  eventId: 'ev-1',
  type: 'flight.departed',
  source: '/producers/test',
  entityId: 'ORD-LAX-0001',
  eventTime: timestampFromDate(new Date('2001-02-03T04:05:06.789Z')),
  payload: {
    case: 'flightDeparted',
    value: { flightKey: 'ORD-LAX-0001', origin: 'ORD', destination: 'LAX', distanceMiles: 1744 },
  },
});

describe('@tributary/contracts', () => {
  it('round-trips an event through the binary encoding', () => {
    const decoded = fromBinary(EventSchema, toBinary(EventSchema, departed));
    expect(decoded).toEqual(departed);
    expect(decoded.payload.case).toBe('flightDeparted');
  });

  it('round-trips an event through the canonical JSON form', () => {
    const json = toJson(EventSchema, departed);
    expect(json).toMatchObject({ eventTime: '2001-02-03T04:05:06.789Z', flightDeparted: { distanceMiles: 1744 } });
    expect(fromJson(EventSchema, json)).toEqual(departed);
  });

  it('writes enums by their proto names in JSON', () => {
    const response = create(PredictResponseSchema, { probability: 0.25, servedBy: ServingTier.FALLBACK_MODEL });
    expect(toJson(PredictResponseSchema, response)).toMatchObject({ servedBy: 'SERVING_TIER_FALLBACK_MODEL' });
  });

  it('keeps counters as numbers and sizes as 64-bit bigints', () => {
    const event = create(ModelLifecycleEventSchema, {
      type: ModelLifecycleEventType.REGISTERED,
      sequence: 42,
      modelVersion: { version: 3, artifactSizeBytes: 5_000_000_000n },
    });
    const decoded = fromBinary(ModelLifecycleEventSchema, toBinary(ModelLifecycleEventSchema, event));
    expect(decoded.sequence).toBe(42);
    expect(decoded.modelVersion?.artifactSizeBytes).toBe(5_000_000_000n);
  });

  it('encodes an ONNX model from the onnx subpath', () => {
    const model = create(ModelProtoSchema, {
      irVersion: 10n,
      producerName: 'tributary',
      graph: {
        name: 'g',
        initializer: [{ name: 'w', dims: [2n], dataType: TensorProto_DataType.FLOAT, floatData: [0.5, -1] }],
      },
    });
    const decoded = fromBinary(ModelProtoSchema, toBinary(ModelProtoSchema, model));
    expect(decoded.graph?.initializer[0]?.floatData).toEqual([0.5, -1]);
    expect(decoded.irVersion).toBe(10n);
  });
});
