import { encodeWasmModule, wasm, WasmType, type WasmFunction } from './encode-wasm-module.js';
import { WebAssemblyApi, type WasmMemory, type WasmModule } from './wasm-api.js';

/**
 * The two inner loops of tree growth, in WebAssembly, where they run 2–3×
 * faster than in JavaScript (no bounds checks, more values in registers),
 * with the same results bit for bit. Every argument is a byte address in
 * the shared training memory, or a count or position.
 *
 * `accumulate*`: for each row, add its gradient, hessian and 1 to the
 * `[grad, hess, count]` triple of its bin, for one or two features at a time:
 * - `histogram0/1`: the first triple of each feature's histogram (Float64);
 * - `bins0/1`: each feature's column of bins (Uint8, indexed by row);
 * - `rows`: the row indices to read (Uint32), or, in the `Contiguous`
 *   variants, the first row itself, rows then being `rows … rows + count − 1`;
 * - `grad`, `hess`: the gradients of those rows, in the same order (Float64).
 *
 * `partition`: stable partition of positions `from..to` of `rows` and of
 * their gradients `grad`/`hess` (Uint32, Float64, Float64 arrays): the rows
 * whose bin in `bins` goes left (`goesLeft[bin]` is 1, a Uint8 table) are
 * packed from `from` on, in order; the others are copied, in order, to the
 * same positions `from…` of the spill arrays. Returns how many went left.
 */
export interface GrowthKernel {
  accumulate1(histogram0: number, bins0: number, rows: number, count: number, grad: number, hess: number): void;
  accumulate2(histogram0: number, histogram1: number, bins0: number, bins1: number, rows: number, count: number, grad: number, hess: number): void;
  accumulate1Contiguous(histogram0: number, bins0: number, firstRow: number, count: number, grad: number, hess: number): void;
  accumulate2Contiguous(
    histogram0: number,
    histogram1: number,
    bins0: number,
    bins1: number,
    firstRow: number,
    count: number,
    grad: number,
    hess: number,
  ): void;
  partition(
    rows: number,
    grad: number,
    hess: number,
    bins: number,
    goesLeft: number,
    from: number,
    to: number,
    spillRows: number,
    spillGrad: number,
    spillHess: number,
  ): number;
}

/** WebAssembly memory is addressed in pages of 64 KiB, at most 65 536 of them (4 GiB). */
export const WASM_PAGE_BYTES = 65_536;
export const WASM_MAX_PAGES = 65_536;

let compiled: WasmModule | undefined;

/** The compiled kernel module (compiled once per thread); it imports a shared memory as `env.memory`. */
export function growthKernelModule(): WasmModule {
  compiled ??= new WebAssemblyApi.Module(
    encodeWasmModule(
      [
        accumulateFunction('accumulate1', 1, false),
        accumulateFunction('accumulate2', 2, false),
        accumulateFunction('accumulate1Contiguous', 1, true),
        accumulateFunction('accumulate2Contiguous', 2, true),
        partitionFunction(),
      ],
      WASM_MAX_PAGES,
    ),
  );
  return compiled;
}

/** The kernel over `memory`. */
export function instantiateGrowthKernel(memory: WasmMemory): GrowthKernel {
  return new WebAssemblyApi.Instance(growthKernelModule(), { env: { memory } }).exports as unknown as GrowthKernel;
}

/** Bytes of one `[grad, hess, count]` triple. */
const TRIPLE_BYTES = 24;

function accumulateFunction(name: string, features: 1 | 2, contiguous: boolean): WasmFunction {
  // Parameters, then locals, by index.
  const histogram = (j: number) => j;
  const bins = (j: number) => features + j;
  const rows = 2 * features;
  const count = rows + 1;
  const grad = rows + 2;
  const hess = rows + 3;
  const i = rows + 4;
  const row = i + 1;
  const at = i + 2;
  const g = i + 3;
  const h = i + 4;
  const { localGet: get, localSet: set } = wasm;
  const addTo = (offset: number, value: readonly number[]) => [...get(at), ...get(at), ...wasm.f64Load(offset), ...value, ...wasm.f64Add, ...wasm.f64Store(offset)];
  const accumulateFeature = (j: number) => [
    // at = histogram_j + bins_j[row] * 24
    ...get(histogram(j)), ...get(bins(j)), ...get(row), ...wasm.i32Add, ...wasm.i32Load8U(), ...wasm.i32Const(TRIPLE_BYTES), ...wasm.i32Mul,
    ...wasm.i32Add, ...set(at),
    ...addTo(0, get(g)),
    ...addTo(8, get(h)),
    ...addTo(16, wasm.f64Const(1)),
  ];
  const loadRow = contiguous
    ? [...get(rows), ...get(i), ...wasm.i32Add, ...set(row)]
    : [...get(rows), ...get(i), ...wasm.i32Const(2), ...wasm.i32Shl, ...wasm.i32Add, ...wasm.i32Load(), ...set(row)];
  const loadGradient = (from: number, into: number) => [...get(from), ...get(i), ...wasm.i32Const(3), ...wasm.i32Shl, ...wasm.i32Add, ...wasm.f64Load(), ...set(into)];
  return {
    name,
    params: Array.from({ length: 2 * features + 4 }, () => WasmType.I32),
    results: [],
    locals: [WasmType.I32, WasmType.I32, WasmType.I32, WasmType.F64, WasmType.F64],
    body: [
      ...wasm.block,
      ...get(count), ...wasm.i32Eqz, ...wasm.brIf(0),
      ...wasm.loop,
      ...loadRow,
      ...loadGradient(grad, g),
      ...loadGradient(hess, h),
      ...Array.from({ length: features }, (_, j) => accumulateFeature(j)).flat(),
      // while (++i < count)
      ...get(i), ...wasm.i32Const(1), ...wasm.i32Add, ...wasm.localTee(i), ...get(count), ...wasm.i32LtU, ...wasm.brIf(0),
      ...wasm.end,
      ...wasm.end,
    ],
  };
}

function partitionFunction(): WasmFunction {
  // Parameters, then locals, by index.
  const [rows, grad, hess, bins, goesLeft, from, to, spillRows, spillGrad, spillHess] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [i, write, spilled, row, left, g, h] = [10, 11, 12, 13, 14, 15, 16];
  const { localGet: get, localSet: set } = wasm;
  const address = (base: number, index: number, shift: number) => [...get(base), ...get(index), ...wasm.i32Const(shift), ...wasm.i32Shl, ...wasm.i32Add];
  const storeRow = (rowsAt: number, gradAt: number, hessAt: number, at: number) => [
    ...address(rowsAt, at, 2), ...get(row), ...wasm.i32Store(),
    ...address(gradAt, at, 3), ...get(g), ...wasm.f64Store(),
    ...address(hessAt, at, 3), ...get(h), ...wasm.f64Store(),
  ];
  return {
    name: 'partition',
    params: Array.from({ length: 10 }, () => WasmType.I32),
    results: [WasmType.I32],
    locals: [WasmType.I32, WasmType.I32, WasmType.I32, WasmType.I32, WasmType.I32, WasmType.F64, WasmType.F64],
    body: [
      ...get(from), ...set(i),
      ...get(from), ...set(write),
      ...get(from), ...set(spilled),
      ...wasm.block,
      ...get(i), ...get(to), ...wasm.i32LtU, ...wasm.i32Eqz, ...wasm.brIf(0),
      ...wasm.loop,
      ...address(rows, i, 2), ...wasm.i32Load(), ...set(row),
      ...address(grad, i, 3), ...wasm.f64Load(), ...set(g),
      ...address(hess, i, 3), ...wasm.f64Load(), ...set(h),
      // left = goesLeft[bins[row]]
      ...get(goesLeft), ...get(bins), ...get(row), ...wasm.i32Add, ...wasm.i32Load8U(), ...wasm.i32Add, ...wasm.i32Load8U(), ...set(left),
      // Branch-free: the row goes to both places and only one cursor moves, as a branch on the
      // side is mispredicted about half the time.
      ...storeRow(rows, grad, hess, write),
      ...storeRow(spillRows, spillGrad, spillHess, spilled),
      ...get(write), ...get(left), ...wasm.i32Add, ...set(write),
      ...get(spilled), ...wasm.i32Const(1), ...wasm.i32Add, ...get(left), ...wasm.i32Sub, ...set(spilled),
      // while (++i < to)
      ...get(i), ...wasm.i32Const(1), ...wasm.i32Add, ...wasm.localTee(i), ...get(to), ...wasm.i32LtU, ...wasm.brIf(0),
      ...wasm.end,
      ...wasm.end,
      ...get(write), ...get(from), ...wasm.i32Sub,
    ],
  };
}
