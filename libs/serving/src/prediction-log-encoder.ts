import type { ServingTier } from '@tributary/contracts';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { ServedFeature } from './served-model-status.js';

/**
 * One prediction as logged, before it is encoded: the answer, and the row the
 * model saw by reference (a row is never changed once built).
 */
export interface PredictionLogEntry {
  readonly requestId: string;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly alias: string;
  readonly servedBy: ServingTier;
  readonly shadow: boolean;
  readonly predictionTimeMs: number;
  readonly entityIds: Readonly<Record<string, string>>;
  /** The model's input columns, in the row's order. */
  readonly features: readonly ServedFeature[];
  readonly row: Float32Array;
  readonly prediction: number;
  readonly probability: number;
  readonly latencyMs: number;
  readonly eventId: string;
  readonly defaultedFeatures: readonly string[];
  readonly traceId: string;
}

/** Field numbers of `tributary.v1.PredictionLog`. */
const FIELD = {
  requestId: 1,
  modelName: 2,
  modelVersion: 3,
  alias: 4,
  servedBy: 5,
  shadow: 6,
  predictionTime: 7,
  entityIds: 8,
  features: 9,
  categoricalFeatures: 10,
  prediction: 11,
  probability: 12,
  latencyMs: 13,
  eventId: 14,
  defaultedFeatures: 15,
  traceId: 16,
} as const;

const encoder = new TextEncoder();
const INITIAL_BYTES = 4_096;

/**
 * A growable byte buffer protobuf fields are written into (wire format per
 * protobuf.dev/programming-guides/encoding). The protobuf runtime's own
 * `BinaryWriter` allocates a chunk per double and per raw copy; this writes in
 * place, which is what makes a log cheap.
 */
class ByteSink {
  private bytes = new Uint8Array(INITIAL_BYTES);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  private room(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + more));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  varint(value: number): void {
    this.room(10);
    let v = value;
    while (v > 0x7f) {
      this.bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.length++] = v;
  }

  tag(field: number, wireType: WireType): void {
    this.varint((field << 3) | wireType);
  }

  double(value: number): void {
    this.room(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** Overwrites 8 bytes already written at `offset`. */
  setDouble(offset: number, value: number): void {
    this.view.setFloat64(offset, value, true);
  }

  raw(chunk: Uint8Array): void {
    this.room(chunk.length);
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }

  string(value: string): void {
    const most = value.length * 3;
    this.room(most + 5);
    // Room for the longest length prefix the string can need; shifted down when the prefix is shorter.
    const prefixRoom = varintSize(most);
    const { written } = encoder.encodeInto(value, this.bytes.subarray(this.length + prefixRoom));
    const prefix = varintSize(written);
    if (prefix !== prefixRoom) this.bytes.copyWithin(this.length + prefix, this.length + prefixRoom, this.length + prefixRoom + written);
    this.varint(written);
    this.length += written;
  }

  /** Starts a length-delimited field whose length is not known yet; `end` writes it. */
  begin(): number {
    this.room(5);
    this.length += 5;
    return this.length;
  }

  end(start: number): void {
    const size = this.length - start;
    const prefix = varintSize(size);
    this.bytes.copyWithin(start - 5 + prefix, start, this.length);
    this.length = start - 5;
    this.varint(size);
    this.length += size;
  }

  copy(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  /**
   * What is written, in place (no copy), for its buffer to be transferred; writing starts over in a new buffer the
   * size of what was taken, so one outsized batch does not make every later one allocate as much.
   */
  take(): Uint8Array {
    const written = this.bytes.subarray(0, this.length);
    this.bytes = new Uint8Array(Math.max(INITIAL_BYTES, this.length));
    this.view = new DataView(this.bytes.buffer);
    this.length = 0;
    return written;
  }
}

function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v > 0x7f; v = Math.floor(v / 0x80)) size++;
  return size;
}

/**
 * The `features` map of a version, all but its values: every entry's field
 * tag, length, key and value tag, with the value's 8 bytes left at
 * `valueOffsets`. An entry of a double always has the same length, so a log
 * copies the template and writes the values in place.
 */
interface FeaturesTemplate {
  readonly bytes: Uint8Array;
  readonly valueOffsets: readonly number[];
}

const templates = new WeakMap<readonly ServedFeature[], FeaturesTemplate>();

function featuresTemplateOf(features: readonly ServedFeature[]): FeaturesTemplate {
  let template = templates.get(features);
  if (!template) {
    const writer = new BinaryWriter();
    const valueOffsets: number[] = [];
    let length = 0;
    for (const feature of features) {
      const key = new BinaryWriter().tag(1, WireType.LengthDelimited).string(feature.name).tag(2, WireType.Bit64).finish();
      const head = new BinaryWriter().tag(FIELD.features, WireType.LengthDelimited).uint32(key.length + 8).raw(key).finish();
      writer.raw(head).double(0);
      valueOffsets.push(length + head.length);
      length += head.length + 8;
    }
    template = { bytes: writer.finish(), valueOffsets };
    templates.set(features, template);
  }
  return template;
}

function stringField(sink: ByteSink, field: number, value: string): void {
  if (value === '') return;
  sink.tag(field, WireType.LengthDelimited);
  sink.string(value);
}

function doubleField(sink: ByteSink, field: number, value: number): void {
  if (value === 0 && !Object.is(value, -0)) return;
  sink.tag(field, WireType.Bit64);
  sink.double(value);
}

function stringMapEntry(sink: ByteSink, field: number, key: string, value: string): void {
  sink.tag(field, WireType.LengthDelimited);
  const start = sink.begin();
  stringField(sink, 1, key);
  stringField(sink, 2, value);
  sink.end(start);
}

const single = new ByteSink();

/**
 * `tributary.v1.PredictionLog` bytes of `entry`, written field by field in
 * the wire format (checked against the protobuf runtime in the spec). Logging
 * every prediction through the reflective `create` + `toBinary` cost more than
 * the model run and the rest of the request together; the map of 33 features
 * is most of it, and its keys never change within a version.
 */
export function encodePredictionLog(entry: PredictionLogEntry): Uint8Array {
  single.reset();
  writePredictionLog(single, entry);
  return single.copy();
}

/** Prediction logs encoded back to back in one buffer. */
export interface EncodedLogs {
  /** Log `i` is `bytes.subarray(ends[i - 1] ?? 0, ends[i])`. */
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
}

/**
 * Logs encoded one after another into one growing buffer: a batch crosses to
 * another thread as one transferred buffer, not one allocation and one
 * transfer per log.
 */
export class PredictionLogBatch {
  private readonly sink = new ByteSink();
  private ends: number[] = [];

  get count(): number {
    return this.ends.length;
  }

  append(entry: PredictionLogEntry): void {
    writePredictionLog(this.sink, entry);
    this.ends.push(this.sink.length);
  }

  /** The logs so far; the batch starts over empty. */
  take(): EncodedLogs {
    const taken = { bytes: this.sink.take(), ends: Uint32Array.from(this.ends) };
    this.ends = [];
    return taken;
  }
}

function writePredictionLog(sink: ByteSink, entry: PredictionLogEntry): void {
  stringField(sink, FIELD.requestId, entry.requestId);
  stringField(sink, FIELD.modelName, entry.modelName);
  if (entry.modelVersion !== 0) {
    sink.tag(FIELD.modelVersion, WireType.Varint);
    sink.varint(entry.modelVersion);
  }
  stringField(sink, FIELD.alias, entry.alias);
  if (entry.servedBy !== 0) {
    sink.tag(FIELD.servedBy, WireType.Varint);
    sink.varint(entry.servedBy);
  }
  if (entry.shadow) {
    sink.tag(FIELD.shadow, WireType.Varint);
    sink.varint(1);
  }
  const seconds = Math.floor(entry.predictionTimeMs / 1000);
  const nanos = (entry.predictionTimeMs - seconds * 1000) * 1_000_000;
  sink.tag(FIELD.predictionTime, WireType.LengthDelimited);
  const time = sink.begin();
  if (seconds !== 0) {
    sink.tag(1, WireType.Varint);
    sink.varint(seconds);
  }
  if (nanos !== 0) {
    sink.tag(2, WireType.Varint);
    sink.varint(nanos);
  }
  sink.end(time);
  for (const key in entry.entityIds) stringMapEntry(sink, FIELD.entityIds, key, entry.entityIds[key] as string);
  const { bytes, valueOffsets } = featuresTemplateOf(entry.features);
  const at = sink.length;
  sink.raw(bytes);
  for (let i = 0; i < valueOffsets.length; i++) sink.setDouble(at + (valueOffsets[i] as number), entry.row[i] as number);
  entry.features.forEach((feature, i) => {
    const value = entry.row[i] as number;
    if (feature.categorical && Number.isInteger(value)) stringMapEntry(sink, FIELD.categoricalFeatures, feature.name, value.toString(36).toUpperCase());
  });
  doubleField(sink, FIELD.prediction, entry.prediction);
  doubleField(sink, FIELD.probability, entry.probability);
  doubleField(sink, FIELD.latencyMs, entry.latencyMs);
  stringField(sink, FIELD.eventId, entry.eventId);
  for (const name of entry.defaultedFeatures) {
    sink.tag(FIELD.defaultedFeatures, WireType.LengthDelimited);
    sink.string(name);
  }
  stringField(sink, FIELD.traceId, entry.traceId);
}
