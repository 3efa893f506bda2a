/**
 * What the inference benchmark sends, and how: the holdout rows of the
 * flights GBDT as tributary.v1 Predict and KServe v2 ModelInfer requests in
 * protobuf JSON (ghz's input), and the two shapes of ghz run — one request at
 * a time for latency, many in flight for throughput.
 */
import { resolve } from 'node:path';
import type { FlightsGbdt } from './flights-gbdt.js';
import type { GhzOptions } from './ghz.js';

/** Requests measured in a sequential run, after {@link WARMUP_REQUESTS} left out. */
export const SEQUENTIAL_REQUESTS = 5_000;
export const WARMUP_REQUESTS = 500;
/** Throughput runs: single-row requests in flight, and how many in all. */
const throughputConcurrency = 16;
const throughputRequests = 20_000;
const MODEL = 'flight-delay';

/** A method ghz calls, with the proto that declares it. */
export interface GhzTarget {
  readonly proto: string;
  readonly importPaths: readonly string[];
  readonly call: string;
}

const protoRoot = resolve('proto');
export const TRIBUTARY_PREDICT: GhzTarget = { proto: resolve(protoRoot, 'tributary/v1/inference.proto'), importPaths: [protoRoot], call: 'tributary.v1.InferenceService.Predict' };
export const TRIBUTARY_PREDICT_BATCH: GhzTarget = { ...TRIBUTARY_PREDICT, call: 'tributary.v1.InferenceService.PredictBatch' };
export const KSERVE_MODEL_INFER: GhzTarget = { proto: resolve(protoRoot, 'inference/grpc_predict_v2.proto'), importPaths: [protoRoot], call: 'inference.GRPCInferenceService.ModelInfer' };

/** Row `r` of the model's holdout rows as a JSON number list (NaN, a missing feature, written as protobuf JSON writes it). */
function rowJson(model: FlightsGbdt, r: number): (number | string)[] {
  const width = model.featureNames.length;
  return Array.from(model.rows.subarray(r * width, (r + 1) * width), (v) => (Number.isNaN(v) ? 'NaN' : v));
}

/** tributary.v1 Predict requests carrying whole feature rows (nothing read online). */
export function predictMessages(model: FlightsGbdt): Record<string, unknown>[] {
  return Array.from({ length: model.rowCount }, (_, r) => ({ model_name: MODEL, feature_vector: rowJson(model, r) }));
}

/** KServe v2 ModelInfer requests of one row each, FP32 typed contents. */
export function modelInferMessages(model: FlightsGbdt): Record<string, unknown>[] {
  const shape = [1, model.featureNames.length];
  return Array.from({ length: model.rowCount }, (_, r) => ({
    model_name: MODEL,
    inputs: [{ name: 'features', datatype: 'FP32', shape, contents: { fp32_contents: rowJson(model, r) } }],
  }));
}

/**
 * A warm-up before a server's latency is measured: a throughput run's worth of requests, so that what is measured is
 * the steady state a long-running server answers in. A fresh Node.js service is still optimising its request path
 * over its first ~10 000 calls (measured: V8's background compilation took ~160 µs of CPU a call over the first
 * 5 000, ~10 µs by 15 000), and those threads share the two cores with the calls being timed.
 */
export function warmUp(address: string, target: GhzTarget, messages: readonly unknown[]): GhzOptions {
  return { ...saturating(address, target, messages), skipFirst: 0 };
}

/** A sequential ghz run: one request at a time. */
export function sequential(address: string, target: GhzTarget, messages: readonly unknown[]): GhzOptions {
  return { ...target, address, messages, concurrency: 1, total: SEQUENTIAL_REQUESTS, skipFirst: WARMUP_REQUESTS, timeoutMs: 2_000 };
}

/** A throughput ghz run: single-row requests, {@link throughputConcurrency} in flight over two connections. */
export function saturating(address: string, target: GhzTarget, messages: readonly unknown[]): GhzOptions {
  return { ...target, address, messages, concurrency: throughputConcurrency, total: throughputRequests, skipFirst: WARMUP_REQUESTS, connections: 2, timeoutMs: 2_000 };
}
