import { InvalidDatasetError } from '../errors.js';
import { WASM_MAX_PAGES, WASM_PAGE_BYTES } from './growth-kernel.js';
import { WebAssemblyApi, type WasmMemory } from './wasm-api.js';

/**
 * Everything the histogram kernel reads or writes, as views into one shared
 * WebAssembly memory, so the main thread, the histogram worker and the kernel
 * see the same bytes without copies. A view's `byteOffset` is its address
 * for the kernel.
 */
export interface TrainingMemory {
  readonly memory: WasmMemory;
  /** One column of bins per feature. */
  readonly bins: readonly Uint8Array[];
  /** Row indices of the current tree; growing a tree reorders them leaf by leaf. */
  readonly rows: Uint32Array;
  /** Gradients and hessians of every row, by row. */
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  /** Gradients and hessians of one leaf's rows, gathered in the order of `rows`. */
  readonly orderedGrad: Float64Array;
  readonly orderedHess: Float64Array;
  /** Where partitioning puts the rows (and their gradients) that go right, before they move back. */
  readonly spillRows: Uint32Array;
  readonly spillGrad: Float64Array;
  readonly spillHess: Float64Array;
  /** Per bin of the feature being split on: 1 when its rows go left. */
  readonly goesLeft: Uint8Array;
  /** Histograms of the growing tree's leaves: as many as a tree can have leaves. */
  readonly histograms: readonly Float64Array[];
}

/** Sizes that decide the memory. */
export interface TrainingMemorySizes {
  readonly rowCount: number;
  readonly featureCount: number;
  /** Numbers in one histogram. */
  readonly histogramLength: number;
  readonly histogramCount: number;
}

/** Most bins a feature has, the missing bin included. */
const MAX_BINS = 256;
/** Cache-line alignment of every array, so no two arrays (and threads) share a line. */
const ALIGNMENT = 64;

/** Lays out and allocates the memory; throws {@link InvalidDatasetError} when it exceeds 4 GiB. */
export function createTrainingMemory(sizes: TrainingMemorySizes): TrainingMemory {
  const { rowCount, featureCount, histogramLength, histogramCount } = sizes;
  let bytes = 0;
  const place = (length: number, bytesPerElement: number): number => {
    const at = bytes;
    bytes += Math.ceil((Math.max(1, length) * bytesPerElement) / ALIGNMENT) * ALIGNMENT;
    return at;
  };
  const binsAt = Array.from({ length: featureCount }, () => place(rowCount, 1));
  const rowsAt = place(rowCount, 4);
  const gradAt = place(rowCount, 8);
  const hessAt = place(rowCount, 8);
  const orderedGradAt = place(rowCount, 8);
  const orderedHessAt = place(rowCount, 8);
  const spillRowsAt = place(rowCount, 4);
  const spillGradAt = place(rowCount, 8);
  const spillHessAt = place(rowCount, 8);
  const goesLeftAt = place(MAX_BINS, 1);
  const histogramsAt = Array.from({ length: histogramCount }, () => place(histogramLength, 8));

  const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
  if (pages > WASM_MAX_PAGES) {
    throw new InvalidDatasetError(
      `training needs ${(bytes / 2 ** 30).toFixed(1)} GiB of WebAssembly memory (bins of ${rowCount} rows × ${featureCount} features, ` +
        `their gradients and ${histogramCount} leaf histograms), more than the 4 GiB it can address`,
    );
  }
  const memory = new WebAssemblyApi.Memory({ initial: pages, maximum: pages, shared: true });
  const { buffer } = memory;
  return {
    memory,
    bins: binsAt.map((at) => new Uint8Array(buffer, at, rowCount)),
    rows: new Uint32Array(buffer, rowsAt, rowCount),
    grad: new Float64Array(buffer, gradAt, rowCount),
    hess: new Float64Array(buffer, hessAt, rowCount),
    orderedGrad: new Float64Array(buffer, orderedGradAt, rowCount),
    orderedHess: new Float64Array(buffer, orderedHessAt, rowCount),
    spillRows: new Uint32Array(buffer, spillRowsAt, rowCount),
    spillGrad: new Float64Array(buffer, spillGradAt, rowCount),
    spillHess: new Float64Array(buffer, spillHessAt, rowCount),
    goesLeft: new Uint8Array(buffer, goesLeftAt, MAX_BINS),
    histograms: histogramsAt.map((at) => new Float64Array(buffer, at, histogramLength)),
  };
}
