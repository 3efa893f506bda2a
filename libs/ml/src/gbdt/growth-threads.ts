import { Worker } from 'node:worker_threads';
import { TrainingWorkerError } from '../errors.js';
import { accumulateFeatures, type HistogramLayout } from './histogram.js';
import { growthKernelModule, instantiateGrowthKernel, type GrowthKernel } from './growth-kernel.js';
import { addTreeScores } from './routing-tree.js';
import type { TrainingMemory } from './training-memory.js';
import type { ValidationScoring } from './validation-watcher.js';

/** Below this many rows in a leaf, waking the worker for a histogram costs more than it saves. */
const PARALLEL_HISTOGRAM_MIN_ROWS = 8_192;
/** The same for a partition, which does less work per row. */
const PARALLEL_PARTITION_MIN_ROWS = 32_768;
/** How long the main thread waits for the worker before declaring it lost. */
const WORKER_TIMEOUT_MS = 60_000;

/** Slots of the control array shared with the worker: a request's number and arguments, the number of the last one done, its result. */
const enum Slot {
  Request = 0,
  Done = 1,
  Ready = 2,
  Task = 3,
  From = 4,
  To = 5,
  Histogram = 6,
  Rows = 7,
  Count = 8,
  Grad = 9,
  Hess = 10,
  Contiguous = 11,
  Bins = 12,
  Result = 13,
  NodeCount = 14,
}
const SLOT_COUNT = 15;

const enum Task {
  Histogram = 1,
  Partition = 2,
  Score = 3,
}

/**
 * The worker: waits for a request, does its share — some features of a
 * histogram, the second half of a partition, or the scoring of the
 * validation rows — and signals done.
 */
const workerSource = `
const { workerData } = require('node:worker_threads');
const accumulate = (${accumulateFeatures.toString()});
const addTreeScores = (${addTreeScores.toString()});
const { control, memory, module, offsets, binsAt, features, partitionArrays: [rows, grad, hess, goesLeft, spillRows, spillGrad, spillHess], scoring } = workerData;
const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports;
Atomics.store(control, ${Slot.Ready}, 1);
Atomics.notify(control, ${Slot.Ready});
let seen = 0;
for (;;) {
  Atomics.wait(control, ${Slot.Request}, seen);
  const request = Atomics.load(control, ${Slot.Request});
  if (request < 0) break;
  // Atomics.wait can return with no new request (seen under load): never redo one, as a histogram
  // or partition done twice corrupts the tree.
  if (request === seen) continue;
  seen = request;
  if (control[${Slot.Task}] === ${Task.Histogram}) {
    accumulate(kernel, control[${Slot.Histogram}], offsets, binsAt, features, control[${Slot.From}], control[${Slot.To}],
      control[${Slot.Rows}], control[${Slot.Count}], control[${Slot.Grad}], control[${Slot.Hess}], control[${Slot.Contiguous}] === 1);
  } else if (control[${Slot.Task}] === ${Task.Score}) {
    addTreeScores(scoring.raw, scoring.bins, scoring.tree, control[${Slot.NodeCount}], 0, scoring.raw.length, undefined);
  } else {
    control[${Slot.Result}] = kernel.partition(rows, grad, hess, control[${Slot.Bins}], goesLeft, control[${Slot.From}], control[${Slot.To}],
      spillRows, spillGrad, spillHess);
  }
  Atomics.store(control, ${Slot.Done}, request);
  Atomics.notify(control, ${Slot.Done});
}
`;

/**
 * The two jobs of growing a tree that touch every row of a leaf — building
 * its histogram and partitioning its rows — on the main thread alone or
 * shared with one worker thread (the two cores of the target machine),
 * through the shared training memory. A histogram is split by features, and
 * each feature's is summed by one thread in row order; a partition is split
 * into two halves whose parts are then put in order. So the results are
 * bit-identical whatever the thread count.
 */
export class GrowthThreads {
  readonly #memory: TrainingMemory;
  readonly #layout: HistogramLayout;
  readonly #kernel: GrowthKernel;
  readonly #binsAt: Int32Array;
  readonly #worker: Worker | undefined;
  readonly #control: Int32Array;
  readonly #features: Int32Array;
  readonly #partitionArrays: PartitionArrays;
  #request = 0;
  #scoring = 0;
  #workerUsable: boolean;

  /** `scoring`: validation rows the worker may score (see {@link startScoring}). */
  constructor(memory: TrainingMemory, layout: HistogramLayout, threads: number, scoring?: ValidationScoring) {
    this.#memory = memory;
    this.#layout = layout;
    this.#kernel = instantiateGrowthKernel(memory.memory);
    this.#binsAt = Int32Array.from(memory.bins, (column) => column.byteOffset);
    this.#control = sharedArray(Int32Array, SLOT_COUNT);
    this.#features = sharedArray(Int32Array, memory.bins.length);
    this.#partitionArrays = partitionArrays(memory);
    this.#workerUsable = threads > 1 && memory.rows.length >= PARALLEL_HISTOGRAM_MIN_ROWS && memory.bins.length > 1;
    if (this.#workerUsable) {
      this.#worker = new Worker(workerSource, {
        eval: true,
        workerData: {
          control: this.#control,
          memory: memory.memory,
          module: growthKernelModule(),
          offsets: layout.offsets,
          binsAt: this.#binsAt,
          features: this.#features,
          partitionArrays: this.#partitionArrays,
          scoring,
        },
      });
      this.#worker.unref();
    }
  }

  /**
   * Sums the gradients of the memory's `rows[start..end)`, which are at the
   * same positions of `orderedGrad` and `orderedHess`, into `histogram`
   * (zeroed, one of the memory's histograms) for `features`. `contiguous`
   * says the rows are `start, start + 1, …`, which lets the kernel skip
   * reading them.
   */
  buildHistogram(histogram: Float64Array, features: Int32Array, start: number, end: number, contiguous: boolean): void {
    const memory = this.#memory;
    const count = end - start;
    const rowsAt = contiguous ? start : memory.rows.byteOffset + start * 4;
    const gradAt = memory.orderedGrad.byteOffset + start * 8;
    const hessAt = memory.orderedHess.byteOffset + start * 8;
    const { offsets } = this.#layout;
    const histogramAt = histogram.byteOffset;
    const accumulate = (from: number, to: number) =>
      accumulateFeatures(this.#kernel, histogramAt, offsets, this.#binsAt, features, from, to, rowsAt, count, gradAt, hessAt, contiguous);
    if (count < PARALLEL_HISTOGRAM_MIN_ROWS || !this.#workerReady()) {
      accumulate(0, features.length);
      return;
    }
    // The worker takes the second half of the features (an even split keeps the two-per-call kernel whole).
    const middle = 2 * Math.ceil(features.length / 4);
    this.#features.set(features);
    const control = this.#control;
    control[Slot.Task] = Task.Histogram;
    control[Slot.From] = middle;
    control[Slot.To] = features.length;
    control[Slot.Histogram] = histogramAt;
    control[Slot.Rows] = rowsAt;
    control[Slot.Count] = count;
    control[Slot.Grad] = gradAt;
    control[Slot.Hess] = hessAt;
    control[Slot.Contiguous] = contiguous ? 1 : 0;
    const request = this.#post();
    accumulate(0, middle);
    this.#await(request);
  }

  /**
   * Stable partition of the memory's `rows[start..end)` and their ordered
   * gradients by the bins of `feature`: rows whose bin goes left first.
   * Returns where the right part begins.
   */
  partition(feature: number, binGoesLeft: Uint8Array, start: number, end: number): number {
    const memory = this.#memory;
    const { rows, orderedGrad: grad, orderedHess: hess, spillRows, spillGrad, spillHess } = memory;
    memory.goesLeft.set(binGoesLeft);
    const binsAt = this.#binsAt[feature] as number;
    const [rowsAt, gradAt, hessAt, goesLeftAt, spillRowsAt, spillGradAt, spillHessAt] = this.#partitionArrays;
    const split = (from: number, to: number) =>
      this.#kernel.partition(rowsAt, gradAt, hessAt, binsAt, goesLeftAt, from, to, spillRowsAt, spillGradAt, spillHessAt);
    // Puts the rows spilled from `from…from + count` (those that went right) at `to`.
    const unspill = (from: number, count: number, to: number) => {
      rows.set(spillRows.subarray(from, from + count), to);
      grad.set(spillGrad.subarray(from, from + count), to);
      hess.set(spillHess.subarray(from, from + count), to);
    };
    if (end - start < PARALLEL_PARTITION_MIN_ROWS || !this.#workerReady()) {
      const left = split(start, end);
      unspill(start, end - start - left, start + left);
      return start + left;
    }
    const middle = start + ((end - start) >>> 1);
    const control = this.#control;
    control[Slot.Task] = Task.Partition;
    control[Slot.Bins] = binsAt;
    control[Slot.From] = middle;
    control[Slot.To] = end;
    const request = this.#post();
    const firstLeft = split(start, middle);
    this.#await(request);
    const secondLeft = control[Slot.Result] as number;
    // [first left | first right | second left | second right] → [first left | second left | first right | second right]
    rows.copyWithin(start + firstLeft, middle, middle + secondLeft);
    grad.copyWithin(start + firstLeft, middle, middle + secondLeft);
    hess.copyWithin(start + firstLeft, middle, middle + secondLeft);
    const rightStart = start + firstLeft + secondLeft;
    const firstRight = middle - start - firstLeft;
    unspill(start, firstRight, rightStart);
    unspill(middle, end - middle - secondLeft, rightStart + firstRight);
    return rightStart;
  }

  /**
   * Starts adding the tree in the validation scoring's tree (with `nodeCount`
   * internal nodes) to its rows' scores on the worker, and returns true; or
   * returns false when there is no worker, and the caller scores them.
   */
  startScoring(nodeCount: number): boolean {
    if (!this.#workerReady()) return false;
    this.#control[Slot.Task] = Task.Score;
    this.#control[Slot.NodeCount] = nodeCount;
    this.#scoring = this.#post();
    return true;
  }

  /** Waits for the scoring started last. */
  finishScoring(): void {
    this.#await(this.#scoring);
  }

  /** Stops the worker; safe to call twice. */
  close(): void {
    if (!this.#worker) return;
    Atomics.store(this.#control, Slot.Request, -1);
    Atomics.notify(this.#control, Slot.Request);
    void this.#worker.terminate();
    this.#workerUsable = false;
  }

  #post(): number {
    const request = ++this.#request;
    Atomics.store(this.#control, Slot.Request, request);
    Atomics.notify(this.#control, Slot.Request);
    return request;
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

  #await(request: number): void {
    const deadline = performance.now() + WORKER_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(this.#control, Slot.Done);
      if (done === request) return;
      if (performance.now() > deadline) throw new TrainingWorkerError(`growth worker gave no answer in ${WORKER_TIMEOUT_MS} ms`);
      Atomics.wait(this.#control, Slot.Done, done, 1_000);
    }
  }
}

/** Addresses of the arrays a partition reads and writes, in the order of the kernel's arguments. */
function partitionArrays(memory: TrainingMemory): PartitionArrays {
  const { rows, orderedGrad, orderedHess, goesLeft, spillRows, spillGrad, spillHess } = memory;
  return [rows.byteOffset, orderedGrad.byteOffset, orderedHess.byteOffset, goesLeft.byteOffset, spillRows.byteOffset, spillGrad.byteOffset, spillHess.byteOffset];
}
type PartitionArrays = [rows: number, grad: number, hess: number, goesLeft: number, spillRows: number, spillGrad: number, spillHess: number];

/** A typed array over shared memory, so a worker sees the same bytes without copies. */
function sharedArray<T>(Type: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new Type(new SharedArrayBuffer(Math.max(1, length) * Type.BYTES_PER_ELEMENT));
}
