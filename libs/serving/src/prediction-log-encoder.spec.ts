import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { PredictionLogSchema, ServingTier } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { PredictionLogBatch, encodePredictionLog, type EncodedLogs, type PredictionLogEntry } from './prediction-log-encoder.js';
import type { ServedFeature } from './served-model-status.js';

const FEATURES: readonly ServedFeature[] = [
  { name: 'origin.departures_1h', categorical: false, defaultValue: Number.NaN },
  { name: 'origin.out_late_share_1h', categorical: false, defaultValue: Number.NaN },
  { name: 'distance_miles', categorical: false, defaultValue: Number.NaN },
  { name: 'origin_code', categorical: true, defaultValue: Number.NaN },
  { name: 'destination_code', categorical: true, defaultValue: Number.NaN },
];

function entry(fields: Partial<PredictionLogEntry> = {}): PredictionLogEntry {
  return {
    requestId: 'req-1',
    modelName: 'flight-delay',
    modelVersion: 7,
    alias: 'champion',
    servedBy: ServingTier.PRIMARY,
    shadow: false,
    predictionTimeMs: Date.UTC(2026, 11, 6, 9, 30, 15, 123),
    entityIds: { origin: 'ORD', destination: 'LAX', route: 'ORD-LAX' },
    features: FEATURES,
    row: Float32Array.from([12, 0.25, 1744, Number.parseInt('ORD', 36), Number.parseInt('LAX', 36)]),
    prediction: 1,
    probability: 0.625,
    latencyMs: 0.75,
    eventId: 'evt-1',
    defaultedFeatures: ['origin.departures_1h'],
    traceId: '0af7651916cd43dd8448eb211c80319c',
    ...fields,
  };
}

/** The same log through the protobuf runtime's reflection: the reference the writer must match. */
function reflected(e: PredictionLogEntry) {
  const features: Record<string, number> = {};
  const categoricalFeatures: Record<string, string> = {};
  e.features.forEach((feature, i) => {
    const value = e.row[i] as number;
    features[feature.name] = value;
    if (feature.categorical && Number.isInteger(value)) categoricalFeatures[feature.name] = value.toString(36).toUpperCase();
  });
  return create(PredictionLogSchema, {
    requestId: e.requestId,
    modelName: e.modelName,
    modelVersion: e.modelVersion,
    alias: e.alias,
    servedBy: e.servedBy,
    shadow: e.shadow,
    predictionTime: timestampFromMs(e.predictionTimeMs),
    entityIds: { ...e.entityIds },
    features,
    categoricalFeatures,
    prediction: e.prediction,
    probability: e.probability,
    latencyMs: e.latencyMs,
    eventId: e.eventId,
    defaultedFeatures: [...e.defaultedFeatures],
    traceId: e.traceId,
  });
}

const asJson = (bytes: Uint8Array) => toJson(PredictionLogSchema, fromBinary(PredictionLogSchema, bytes));

describe('encodePredictionLog()', () => {
  const cases: [string, PredictionLogEntry][] = [
    ['a primary answer for a flight', entry()],
    ['missing values (NaN) and a category code that is not one', entry({ row: Float32Array.from([Number.NaN, Number.NaN, 0, 1.5, Number.NaN]), defaultedFeatures: ['origin.departures_1h', 'origin.out_late_share_1h'] })],
    ['a shadow answer of the fallback tier, no flight, no event, zero probability', entry({ shadow: true, servedBy: ServingTier.FALLBACK_MODEL, entityIds: {}, eventId: '', probability: 0, prediction: 0, traceId: '' })],
    ['the default tier (version 0) at the epoch’s first second', entry({ modelVersion: 0, servedBy: ServingTier.DEFAULT, predictionTimeMs: 1_000, defaultedFeatures: [] })],
    ['negative zero and infinities', entry({ row: Float32Array.from([-0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, 35]), latencyMs: -0 })],
  ];

  it.each(cases)('decodes to what the reflective encoder writes: %s', (_, e) => {
    expect(asJson(encodePredictionLog(e))).toEqual(toJson(PredictionLogSchema, reflected(e)));
    expect(asJson(encodePredictionLog(e))).toEqual(asJson(toBinary(PredictionLogSchema, reflected(e))));
  });

  it('keeps each version’s feature names apart', () => {
    const other: readonly ServedFeature[] = FEATURES.map((f) => ({ ...f, name: `v2.${f.name}` }));
    const first = fromBinary(PredictionLogSchema, encodePredictionLog(entry()));
    const second = fromBinary(PredictionLogSchema, encodePredictionLog(entry({ features: other })));
    expect(Object.keys(first.features).sort()).toEqual(FEATURES.map((f) => f.name).sort());
    expect(Object.keys(second.features).sort()).toEqual(other.map((f) => f.name).sort());
    expect(second.categoricalFeatures).toEqual({ 'v2.origin_code': 'ORD', 'v2.destination_code': 'LAX' });
  });
});

describe('PredictionLogBatch', () => {
  const logsOf = ({ bytes, ends }: EncodedLogs) => Array.from(ends, (end, i) => bytes.slice(ends[i - 1] ?? 0, end));

  it('writes logs back to back, each the bytes encodePredictionLog writes alone', () => {
    const batch = new PredictionLogBatch();
    // Long ids and many features grow the buffer past its first size in the middle of a log.
    const wide: readonly ServedFeature[] = Array.from({ length: 200 }, (_, i) => ({ name: `feature_${i}`, categorical: false, defaultValue: 0 }));
    const entries = [
      entry(),
      entry({ requestId: 'r'.repeat(3_000), shadow: true }),
      entry({ features: wide, row: Float32Array.from(wide, (_, i) => i / 7), entityIds: {} }),
      entry({ requestId: 'req-4', traceId: '' }),
    ];
    for (const e of entries) batch.append(e);
    expect(batch.count).toBe(4);
    expect(logsOf(batch.take())).toEqual(entries.map((e) => encodePredictionLog(e)));
  });

  it('starts over after take, in a new buffer: what was taken stays as it was, even transferred away', () => {
    const batch = new PredictionLogBatch();
    batch.append(entry({ requestId: 'first' }));
    const first = batch.take();
    const firstBytes = first.bytes.slice();
    expect(batch.count).toBe(0);
    batch.append(entry({ requestId: 'second' }));
    batch.append(entry({ requestId: 'third' }));
    const second = batch.take();
    expect(first.bytes).toEqual(firstBytes);
    expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
    expect(logsOf(second).map((bytes) => fromBinary(PredictionLogSchema, bytes).requestId)).toEqual(['second', 'third']);
    structuredClone(second, { transfer: [second.bytes.buffer as ArrayBuffer] });
    batch.append(entry({ requestId: 'fourth' }));
    expect(logsOf(batch.take()).map((bytes) => fromBinary(PredictionLogSchema, bytes).requestId)).toEqual(['fourth']);
  });

  it('gives back the room of an outsized batch: the buffers after it shrink to what the logs need', () => {
    const batch = new PredictionLogBatch();
    batch.append(entry({ requestId: 'r'.repeat(100_000) }));
    const outsized = batch.take().bytes.buffer.byteLength;
    const sizes = [1, 2, 3].map(() => {
      batch.append(entry());
      return batch.take().bytes.buffer.byteLength;
    });
    expect(outsized).toBeGreaterThan(100_000);
    expect(sizes[2]).toBeLessThan(10_000);
  });

  it('takes nothing as an empty batch', () => {
    const taken = new PredictionLogBatch().take();
    expect(taken.bytes.length).toBe(0);
    expect(taken.ends.length).toBe(0);
  });
});
