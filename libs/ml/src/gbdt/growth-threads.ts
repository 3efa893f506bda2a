import { Worker } from 'node:worker_threads';
import { TrainingWorkerError } from '../errors.js';
import { accumulateFeatures, gatherGradients, type HistogramLayout, type OrderedGradients } from './histogram.js';

/** Below this many rows in a leaf, waking the worker costs more than it saves. */
const PARALLEL_MIN_ROWS = 20_000;
/** How long the main thread waits for the worker before declaring it lost. */
const WORKER_TIMEOUT_MS = 60_000;

/** Slots of the control array shared with the worker. */
const enum Slot {
  Request = 0,
  Done = 1,
  Start = 2,
  Count = 3,
  From = 4,
  To = 5,
  Ready = 6,
}

/** A typed array over shared memory, so a worker sees the same bytes without copies. */
export function sharedArray<T>(Type: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new Type(new SharedArrayBuffer(Math.max(1, length) * Type.BYTES_PER_ELEMENT));
}

/** The worker: waits for a request, accumulates its share of the features into its scratch histogram, signals done. */
const workerSource = `
const { workerData } = require('node:worker_threads');
const accumulate = (${accumulateFeatures.toString()});
const { control, bins, offsets, binCounts, rows, grad, hess, features, scratch } = workerData;
Atomics.store(control, ${Slot.Ready}, 1);
Atomics.notify(control, ${Slot.Ready});
let seen = 0;
for (;;) {
  Atomics.wait(control, ${Slot.Request}, seen);
  const request = Atomics.load(control, ${Slot.Request});
  if (request < 0) break;
  seen = request;
  const from = control[${Slot.From}], to = control[${Slot.To}];
  for (let k = from; k < to; k++) scratch.fill(0, offsets[features[k]], offsets[features[k]] + binCounts[features[k]] * 3);
  accumulate(scratch, offsets, bins, features, from, to, rows, control[${Slot.Start}], control[${Slot.Count}], grad, hess);
  Atomics.store(control, ${Slot.Done}, request);
  Atomics.notify(control, ${Slot.Done});
}
`;

/**
 * Builds leaf histograms, on the main thread alone or split by features with
 * one worker thread (the two cores of the target machine). Each feature's
 * histogram is always summed by one thread in row order, so the result is
 * bit-identical whatever the thread count.
 */
export class HistogramBuilder {
  /** Row indices of the current tree, in shared memory; trainers write them here. */
  readonly rows: Uint32Array;
  readonly #ordered: OrderedGradients;
  readonly #bins: readonly Uint8Array[];
  readonly #layout: HistogramLayout;
  readonly #worker: Worker | undefined;
  readonly #control: Int32Array;
  readonly #features: Int32Array;
  readonly #scratch: Float64Array;
  #request = 0;
  #workerUsable: boolean;

  /** `bins` must be {@link sharedArray}s when `threads` > 1. */
  constructor(bins: readonly Uint8Array[], layout: HistogramLayout, rowCount: number, threads: number) {
    this.#bins = bins;
    this.#layout = layout;
    this.rows = sharedArray(Uint32Array, rowCount);
    this.#ordered = { grad: sharedArray(Float64Array, rowCount), hess: sharedArray(Float64Array, rowCount) };
    this.#control = sharedArray(Int32Array, 8);
    this.#features = sharedArray(Int32Array, bins.length);
    this.#scratch = sharedArray(Float64Array, threads > 1 ? layout.length : 0);
    this.#workerUsable = threads > 1 && rowCount >= PARALLEL_MIN_ROWS && bins.length > 1;
    if (this.#workerUsable) {
      this.#worker = new Worker(workerSource, {
        eval: true,
        workerData: {
          control: this.#control,
          bins,
          offsets: layout.offsets,
          binCounts: layout.binCounts,
          rows: this.rows,
          grad: this.#ordered.grad,
          hess: this.#ordered.hess,
          features: this.#features,
          scratch: this.#scratch,
        },
      });
      this.#worker.unref();
    }
  }

  /** Sums gradients of `rows[start..end)` into `histogram` (zeroed) for `features`. */
  build(histogram: Float64Array, features: Int32Array, start: number, end: number, grad: Float64Array, hess: Float64Array): void {
    const n = end - start;
    gatherGradients(this.rows, start, end, grad, hess, this.#ordered);
    const { offsets, binCounts } = this.#layout;
    const { grad: og, hess: oh } = this.#ordered;
    if (n < PARALLEL_MIN_ROWS || !this.#workerReady()) {
      accumulateFeatures(histogram, offsets, this.#bins, features, 0, features.length, this.rows, start, n, og, oh);
      return;
    }
    // The worker takes the second half of the features (an even split keeps the two-per-pass loop whole).
    const middle = 2 * Math.ceil(features.length / 4);
    this.#features.set(features);
    const control = this.#control;
    control[Slot.Start] = start;
    control[Slot.Count] = n;
    control[Slot.From] = middle;
    control[Slot.To] = features.length;
    const request = ++this.#request;
    Atomics.store(control, Slot.Request, request);
    Atomics.notify(control, Slot.Request);
    accumulateFeatures(histogram, offsets, this.#bins, features, 0, middle, this.rows, start, n, og, oh);
    this.#await(Slot.Done, request);
    for (let k = middle; k < features.length; k++) {
      const f = features[k] as number;
      const from = offsets[f] as number;
      histogram.set(this.#scratch.subarray(from, from + (binCounts[f] as number) * 3), from);
    }
  }

  /** Stops the worker; safe to call twice. */
  close(): void {
    if (!this.#worker) return;
    Atomics.store(this.#control, Slot.Request, -1);
    Atomics.notify(this.#control, Slot.Request);
    void this.#worker.terminate();
    this.#workerUsable = false;
  }

  #workerReady(): boolean {
    if (!this.#workerUsable) return false;
    if (Atomics.load(this.#control, Slot.Ready) === 1) return true;
    // A worker that cannot start must not hang training: wait a bounded time, then go on alone.
    if (Atomics.wait(this.#control, Slot.Ready, 0, 5_000) === 'timed-out' && Atomics.load(this.#control, Slot.Ready) !== 1) {
      this.close();
      return false;
    }
    return true;
  }

  #await(slot: Slot, value: number): void {
    const deadline = performance.now() + WORKER_TIMEOUT_MS;
    for (;;) {
      const current = Atomics.load(this.#control, slot);
      if (current === value) return;
      if (performance.now() > deadline) throw new TrainingWorkerError(`histogram worker gave no answer in ${WORKER_TIMEOUT_MS} ms`);
      Atomics.wait(this.#control, slot, current, 1_000);
    }
  }
}
