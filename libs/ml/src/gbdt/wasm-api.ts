/**
 * The few parts of the WebAssembly JavaScript API that training uses, typed
 * here because the Node.js 20 type definitions do not declare `WebAssembly`
 * (TypeScript's own declarations come with the DOM library, which a Node
 * library should not pull in).
 */

/** A compiled module; it can be posted to a worker thread and instantiated there. */
export interface WasmModule {
  readonly __brand: 'WebAssembly.Module';
}

/** Linear memory; shared memory has a SharedArrayBuffer that every thread sees. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
}

export const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
