/**
 * Just enough of the WebAssembly binary format to write the histogram kernel
 * (see histogram-kernel.ts) without a toolchain: functions over i32 and f64
 * locals that read and write one imported shared memory.
 * Format reference: https://webassembly.github.io/spec/core/binary/
 */

/** Value types of parameters and locals. */
export const enum WasmType {
  I32 = 0x7f,
  F64 = 0x7c,
}

/** One exported function: its parameters, results, extra locals (numbered after the parameters) and body (without the final `end`). */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly WasmType[];
  readonly results: readonly WasmType[];
  readonly locals: readonly WasmType[];
  readonly body: readonly number[];
}

/** Instructions as byte sequences; memory accesses take a static byte offset. */
export const wasm = {
  localGet: (index: number) => [0x20, ...unsignedLeb128(index)],
  localSet: (index: number) => [0x21, ...unsignedLeb128(index)],
  localTee: (index: number) => [0x22, ...unsignedLeb128(index)],
  i32Const: (value: number) => [0x41, ...signedLeb128(value)],
  f64Const: (value: number) => [0x44, ...littleEndianFloat64(value)],
  i32Load: (offset = 0) => [0x28, 2, ...unsignedLeb128(offset)],
  i32Load8U: (offset = 0) => [0x2d, 0, ...unsignedLeb128(offset)],
  i32Store: (offset = 0) => [0x36, 2, ...unsignedLeb128(offset)],
  f64Load: (offset = 0) => [0x2b, 3, ...unsignedLeb128(offset)],
  f64Store: (offset = 0) => [0x39, 3, ...unsignedLeb128(offset)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  f64Add: [0xa0],
  /** A block without result; `br 0` inside jumps past its `end`. */
  block: [0x02, 0x40],
  /** A loop without result; `br 0` inside jumps back to its start. */
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...unsignedLeb128(depth)],
} as const;

/** A module importing `env.memory` (shared, of `maxPages` 64 KiB pages at most) and exporting `functions`. */
export function encodeWasmModule(functions: readonly WasmFunction[], maxPages: number): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  // Shared memory limits: flag 3 = shared with a maximum.
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x03, ...unsignedLeb128(1), ...unsignedLeb128(maxPages)];
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...unsignedLeb128(i)]);
  const bodies = functions.map((f) => {
    const locals = vector(f.locals.map((t) => [1, t]));
    const code = [...locals, ...f.body, ...wasm.end];
    return [...unsignedLeb128(code.length), ...code];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map((_, i) => unsignedLeb128(i)))),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}

function littleEndianFloat64(value: number): number[] {
  const bytes = new DataView(new ArrayBuffer(8));
  bytes.setFloat64(0, value, true);
  return [...new Uint8Array(bytes.buffer)];
}

function unsignedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

function signedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
    bytes.push(done ? low : low | 0x80);
    if (done) return bytes;
  }
}

function vector(items: readonly (readonly number[])[]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

function name(text: string): number[] {
  return vector([...new TextEncoder().encode(text)].map((b) => [b]));
}

function section(id: number, content: readonly number[]): number[] {
  return [id, ...unsignedLeb128(content.length), ...content];
}
