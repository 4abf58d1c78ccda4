// Small helpers for working on tfjs-backend-wasm's heap from a kernel.
import type {TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {describeNextAllocation} from './allocation.js';

/** Byte offset of a tensor's data in the heap. */
export function offsetOf(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

/**
 * Runs `fn` with `bytes` of scratch space from emscripten's malloc and frees it afterwards,
 * also when `fn` throws. The pointer stays valid if memory grows; typed-array views do not,
 * so callers make views only after their last allocation.
 */
interface EmscriptenHeap {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}
const heapOf = (backend: BackendWasm) => backend.wasm as unknown as EmscriptenHeap;

export function withScratch<T>(backend: BackendWasm, bytes: number, fn: (ptr: number) => T): T {
  if (bytes <= 0) return fn(0);
  // The checked malloc (src/backend/allocation.ts) throws, naming the kernel, when there is no room.
  describeNextAllocation(backend, `${bytes} bytes of scratch space`);
  let ptr: number;
  try {
    ptr = heapOf(backend)._malloc(bytes) >>> 0;
  } finally {
    describeNextAllocation(backend, null);
  }
  if (ptr === 0) throw new Error(`tfjs-backend-as: out of memory allocating ${bytes} bytes of scratch space`);
  try {
    return fn(ptr);
  } finally {
    heapOf(backend)._free(ptr);
  }
}

/**
 * Runs `write` to fill `out`, an output the kernel has just allocated. If `write` throws (say
 * there is no memory for its scratch space), frees `out` first: a failed kernel leaves nothing.
 */
export function fillOutput(backend: BackendWasm, out: TensorInfo, write: () => void): TensorInfo {
  try {
    write();
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

/**
 * The WebAssembly.Memory behind a tfjs-backend-wasm instance (plain or shared). The
 * single-threaded builds export their memory (`asm.memory`); the threaded build (picked in a
 * cross-origin-isolated page) imports a shared one that emscripten creates with a maximum of
 * 65536 pages and keeps as `wasmMemory` (checked in Chromium by test/browser/run.mjs). Our
 * shared variants declare the same maximum: an imported memory's maximum must not exceed the
 * import's.
 */
export function memoryOf(backend: BackendWasm): WebAssembly.Memory {
  const wasm = backend.wasm as unknown as {asm?: {memory?: WebAssembly.Memory}; wasmMemory?: WebAssembly.Memory};
  const memory = wasm.asm?.memory ?? wasm.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error('tfjs-backend-as: cannot find the WebAssembly.Memory of the tfjs-backend-wasm module');
  }
  return memory;
}
