// The one checked allocation path of 'as'. Every byte a kernel gets from the heap, whether it is
// ours (AssemblyScript or TypeScript) or inherited from tfjs-backend-wasm, comes from emscripten's
// malloc called from JavaScript: tensor outputs through BackendWasm.move (makeOutput and write
// call it), scratch space through withScratch, and a few tfjs-backend-wasm buffers directly.
// tfjs-backend-wasm never checks what malloc returns: when the heap cannot grow, malloc returns 0
// and the kernel writes its output at address 0, over live tensors and malloc's own bookkeeping.
// Sizes of 2^32 bytes or more wrap when they reach malloc's u32 argument. So, per backend
// instance:
//  - the module's `_malloc` (the JavaScript-side entry; C++ code inside the module calls its own)
//    is replaced by one that checks the size first and throws a RangeError instead of returning 0;
//  - `move` says what is being allocated (shape and dtype), for the message;
//  - `makeOutput` with a C++-allocated offset of 0 throws too;
//  - every kernel registered for 'as' runs inside guardKernel, which names the op in those errors
//    and, if the kernel throws, frees every tensor it allocated: a failed kernel leaves nothing;
//  - tensor data (move's malloc) starts on a 16-byte boundary (TENSOR_ALIGNMENT).
import * as tf from '@tensorflow/tfjs-core';
import type {DataType, KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {formatShape} from '../format_shape.js';
import {globalState} from './state.js';

/**
 * The most the heap can hold: emscripten's getHeapMax() of tfjs-backend-wasm's builds (4 GiB less
 * one 64 KiB page; the threaded build's shared memory has a maximum of 65536 pages). No single
 * allocation can be larger, whatever the machine has.
 */
export const HEAP_LIMIT_BYTES = 2 ** 32 - 65536;

/**
 * Where tensor data starts: a multiple of 16 bytes. Emscripten's malloc aligns to 8, so half of
 * all tensors started 8 bytes into a 16-byte block, and every fourth 128-bit load of them then
 * crossed a cache line: the seed's batch-1 product [1,784]x[784,500] took 28.5 µs on such a
 * weight matrix against 24.5 µs on an aligned one (a matrix-vector product reads each weight
 * once, unpacked). So move's malloc asks for TENSOR_PAD_BYTES more and hands out the first
 * 16-byte boundary in the block; `_free` maps such a pointer back to the block malloc returned.
 * When the padded block does not fit, the tensor gets an unaligned block of its own size: the
 * padding never turns an allocation that fits into an out-of-memory error.
 * Only tensor data is shifted: its owner is JavaScript (tfjs-backend-wasm's disposeData frees it
 * with `_free`; the C++ side only records the offset), so no shifted pointer can reach C++'s free.
 */
export const TENSOR_ALIGNMENT = 16;
/** Enough for any malloc that aligns to 4 bytes or more. */
const TENSOR_PAD_BYTES = TENSOR_ALIGNMENT - 4;

/** Room kept for the C++ side's own small allocations once the heap is near its limit. */
const C_RESERVE_BYTES = 1 << 20;
/** How near: within this much of the limit, every allocation checks that the reserve is there. */
const RESERVE_ZONE_BYTES = 256 << 20;

interface EmscriptenModule {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
}

/** What an instance's allocations are doing now: the running kernel and what it allocates. */
interface Guard {
  /** The kernel running on this instance, or null outside kernels (tf.tensor(...) writes). */
  kernel: string | null;
  /** Data ids the running kernel has allocated: freed if it throws. */
  allocated: object[] | null;
  /** The next malloc is a tensor's data (move): align it to TENSOR_ALIGNMENT. */
  tensorData: boolean;
  /**
   * What the next malloc is for, for the message: words ('the output [2,3] float32'), or the
   * shape and dtype of a tensor, put into words only when a message needs them (formatting a
   * shape on every allocation cost ~1 µs of each small kernel call).
   */
  request: string | {prefix: string; shape: readonly number[]; dtype: string} | null;
}

const requestText = (request: Guard['request']): string | null =>
  request === null || typeof request === 'string'
    ? request
    : `${request.prefix}${describe(request.shape, request.dtype)}`;

const guards = new WeakMap<object, Guard>();

const GiB = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
const describe = (shape: readonly number[], dtype: string) => `${formatShape(shape)} ${dtype}`;

/**
 * The bytes a tensor of `shape` and `dtype` needs, checked before anything is allocated or any
 * arithmetic can wrap: every dimension a non-negative integer, the size within what the heap can
 * address. `op` names the caller in the error.
 */
export function checkAllocationSize(op: string, shape: readonly number[], dtype: DataType): number {
  if (!Array.isArray(shape) || shape.some(d => !Number.isSafeInteger(d) || d < 0)) {
    throw new RangeError(
      `${op}: cannot allocate a ${dtype} tensor of shape [${shape}]: every dimension must be a ` +
        `non-negative integer`,
    );
  }
  if (dtype === 'string') return 0;
  const elements = shape.reduce((a, b) => a * b, 1);
  const bytes = elements * tf.util.bytesPerElement(dtype);
  if (!(bytes <= HEAP_LIMIT_BYTES)) {
    throw new RangeError(
      `${op}: cannot allocate ${describe(shape, dtype)}: ${elements} elements need ${bytes} bytes ` +
        `(${GiB(bytes)}), more than the WebAssembly heap can address (${HEAP_LIMIT_BYTES} bytes, ${GiB(HEAP_LIMIT_BYTES)} ` +
        `for wasm32). Use smaller tensors (a smaller batch size, or split the work).`,
    );
  }
  return bytes;
}

function outOfMemory(backend: BackendWasm, guard: Guard, bytes: number): RangeError {
  const heap = (backend.wasm as unknown as EmscriptenModule).HEAPU8.buffer.byteLength;
  const what = requestText(guard.request) ?? `${bytes} bytes`;
  return new RangeError(
    `${guard.kernel ?? 'tf.tensor'}: out of memory: cannot allocate ${what} ` +
      `(${bytes} bytes, ${GiB(bytes)}). The WebAssembly heap has grown to ${heap} bytes (${GiB(heap)}) of its limit of ` +
      `${HEAP_LIMIT_BYTES} bytes (${GiB(HEAP_LIMIT_BYTES)}); tensors hold ${tf.memory().numBytes} bytes in all. Nothing ` +
      `was written and every tensor keeps its values: dispose tensors you no longer need (tf.dispose, tf.tidy) or use ` +
      `smaller batches.`,
  );
}

/**
 * Fault injection for the tests: the Nth JavaScript-side malloc from now (1 = the next one) fails
 * as if the heap could not grow; 0 turns it off. Returns how many were left of the previous count.
 */
export function failMallocAfter(n: number): number {
  const faults = globalState().faults;
  const left = faults.failMallocIn;
  faults.failMallocIn = n;
  return left;
}

/** Replaces `backend`'s allocation entry points with the checked ones (once per instance). */
export function installCheckedAllocation(backend: BackendWasm): void {
  if (guards.has(backend)) return;
  const guard: Guard = {kernel: null, allocated: null, tensorData: false, request: null};
  guards.set(backend, guard);
  const module = backend.wasm as unknown as EmscriptenModule;
  // Emscripten's Module._malloc starts as a stub that, on its first call, replaces itself with
  // the module's export: call it once first, or it would overwrite the checked one.
  module._free(module._malloc(16));
  const rawMalloc = module._malloc;
  const rawFree = module._free;
  const faults = globalState().faults;
  /** Tensor data pointers moved up to TENSOR_ALIGNMENT, and the blocks malloc returned for them. */
  const shifted = new Map<number, number>();

  module._malloc = (bytes: number): number => {
    if (!(bytes >= 0 && bytes <= HEAP_LIMIT_BYTES)) {
      throw new RangeError(
        `${guard.kernel ?? 'tf.tensor'}: cannot allocate ${requestText(guard.request) ?? `${bytes} bytes`}: ` +
          `${bytes} bytes is more than the WebAssembly heap can address (${HEAP_LIMIT_BYTES} bytes)`,
      );
    }
    const injected = faults.failMallocIn > 0 && --faults.failMallocIn === 0;
    const aligned = guard.tensorData;
    guard.tensorData = false;
    let blockBytes = bytes;
    let block = 0;
    if (!injected) {
      if (aligned) {
        blockBytes = bytes + TENSOR_PAD_BYTES;
        block = rawMalloc.call(module, blockBytes) >>> 0;
        // A block past the end (see below) is no block: left alone, as below.
        if (block + blockBytes > module.HEAPU8.length) block = 0;
      }
      // Near the heap's limit the padding may be what does not fit (a freed 1 GiB tensor leaves
      // a hole of exactly its size): then the tensor goes unaligned, as malloc places it.
      if (block === 0) {
        blockBytes = bytes;
        block = rawMalloc.call(module, bytes) >>> 0;
      }
    }
    // malloc(0) may legitimately return 0; a tensor of no elements is never read or written.
    if (block === 0 && (bytes > 0 || injected)) throw outOfMemory(backend, guard, bytes);
    // At the very top of the 4 GiB heap emscripten's sbrk arithmetic wraps and malloc can hand
    // out a block that ends past the memory (seen: a 64 MiB tensor at 4,227,858,432 bytes in
    // use). Such a block is not memory: refuse it (and do not free it: it is not a real chunk).
    if (block + blockBytes > module.HEAPU8.length) throw outOfMemory(backend, guard, bytes);
    if (module.HEAPU8.length > HEAP_LIMIT_BYTES - RESERVE_ZONE_BYTES && !hasReserve()) {
      rawFree.call(module, block);
      throw outOfMemory(backend, guard, bytes);
    }
    if (blockBytes === bytes || block % TENSOR_ALIGNMENT === 0) return block;
    const ptr = block + TENSOR_ALIGNMENT - (block % TENSOR_ALIGNMENT);
    shifted.set(ptr, block);
    return ptr;
  };

  // tfjs-backend-wasm's C++ code allocates too (registerTensor's map node, right after every
  // tensor; XNNPACK's operators), and a failed malloc there traps or writes at address 0: no
  // JavaScript can check it. So near the limit an allocation succeeds only if the C++ side
  // would still find a little room after it.
  const hasReserve = () => {
    const probe = rawMalloc.call(module, C_RESERVE_BYTES) >>> 0;
    if (probe !== 0) module._free(probe);
    return probe !== 0;
  };

  // Blocks a worker thread that stopped answering may still write (src/backend/threads.ts): they
  // stay allocated for the life of the heap, so a late write can never reach reused memory.
  const quarantined = new Set<number>();
  quarantines.set(backend, quarantined);
  module._free = (ptr: number): void => {
    const p = ptr >>> 0;
    if (quarantined.has(p)) return;
    const block = shifted.get(p);
    if (block === undefined) {
      rawFree.call(module, p);
    } else {
      shifted.delete(p);
      rawFree.call(module, block);
    }
  };

  const move = backend.move;
  backend.move = function (this: BackendWasm, dataId, values, shape, dtype, refCount) {
    if (dtype !== 'string') {
      checkAllocationSize(guard.kernel ?? 'tf.tensor', shape, dtype);
      guard.request = {prefix: guard.kernel ? 'the output ' : 'a tensor ', shape, dtype};
      guard.tensorData = true;
    }
    try {
      move.call(this, dataId, values, shape, dtype, refCount);
    } finally {
      guard.request = null;
      guard.tensorData = false;
    }
    guard.allocated?.push(dataId);
  };

  const makeOutput = backend.makeOutput;
  backend.makeOutput = function (
    this: BackendWasm,
    shape: number[],
    dtype: DataType,
    memoryOffset?: number,
    values?: tf.backend_util.BackendValues,
  ) {
    // The kernel's C++ code allocated the output, and its malloc failed.
    const bytes = memoryOffset === 0 ? checkAllocationSize(guard.kernel ?? 'makeOutput', shape, dtype) : 0;
    if (bytes > 0) throw outOfMemory(backend, {...guard, request: `the output ${describe(shape, dtype)}`}, bytes);
    const out: TensorInfo = makeOutput.call(this, shape, dtype, memoryOffset, values as never);
    if (memoryOffset != null) guard.allocated?.push(out.dataId);
    return out;
  } as BackendWasm['makeOutput'];
}

/**
 * `kernel` for backend 'as', run inside its instance's guard: allocation errors name the kernel,
 * and when the kernel throws, every tensor it allocated and did not free is freed before the
 * error reaches the caller (tfjs' engine never saw them). Kernels that call other kernels'
 * functions directly nest: what an inner one allocated belongs to the outer one once it returns.
 */
export function guardKernel(kernel: KernelConfig, backendName: string): KernelConfig {
  if (guardedKernelFuncs.has(kernel.kernelFunc)) return {...kernel, backendName};
  const {kernelName, kernelFunc} = kernel;
  const guarded: KernelFunc = args => {
    const guard = guards.get(args.backend);
    if (!guard) return kernelFunc(args);
    const outerKernel = guard.kernel,
      outerAllocated = guard.allocated;
    const allocated: object[] = [];
    guard.kernel = kernelName;
    guard.allocated = allocated;
    try {
      const out = kernelFunc(args);
      if (outerAllocated) outerAllocated.push(...allocated);
      return out;
    } catch (e) {
      const backend = args.backend as BackendWasm;
      for (const dataId of allocated) {
        if (backend.dataIdMap.has(dataId)) backend.disposeData(dataId, true);
      }
      throw e;
    } finally {
      guard.kernel = outerKernel;
      guard.allocated = outerAllocated;
    }
  };
  guardedKernelFuncs.add(guarded);
  return {...kernel, backendName, kernelFunc: guarded};
}

/** Every kernel function guardKernel made: a test checks that every kernel of 'as' is one. */
const guardedKernelFuncs = new WeakSet<KernelFunc>();

/** Whether `kernelFunc` runs inside guardKernel's guard. */
export function isGuardedKernel(kernelFunc: KernelFunc): boolean {
  return guardedKernelFuncs.has(kernelFunc);
}

const quarantines = new WeakMap<BackendWasm, Set<number>>();

/** Heap blocks (malloc'd pointers) that `_free` must leave allocated from now on. */
export function quarantineBlocks(backend: BackendWasm, ptrs: readonly number[]): void {
  const set = quarantines.get(backend);
  for (const p of ptrs) if (p) set?.add(p >>> 0);
}

/**
 * Records `dataId`, an output a kernel made without move/makeOutput (a complex64 tensor's entry,
 * src/backend/complex.ts), as the running kernel's: freed with the rest if the kernel throws.
 */
export function recordAllocation(backend: BackendWasm, dataId: object): void {
  guards.get(backend)?.allocated?.push(dataId);
}

/** Sets what the next malloc of `backend` is for (scratch space), for the out-of-memory message. */
export function describeNextAllocation(backend: BackendWasm, what: string | null): void {
  const guard = guards.get(backend);
  if (guard) guard.request = what;
}
