// Registers backend 'as': a tfjs-backend-wasm instance of its own (own emscripten module and
// heap) with the AssemblyScript kernels module instantiated on that same memory. Every kernel
// registered for 'wasm' is registered for 'as' too (their setup functions run against the 'as'
// instance whenever it becomes active); ours are registered on top.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {instantiateKernels, isSharedMemory} from './kernel_module.js';
import {globalState, type InstanceState} from './state.js';
import {
  bestVariant,
  checkVariantName,
  checkVariantRuns,
  kernelModule,
  type KernelVariant,
  runtimeSupport,
} from './variants.js';
import {memoryOf} from './heap.js';
import {guardKernel, installCheckedAllocation} from './allocation.js';
import {coreCount, createNodeThreadedBackend, isNode} from './node_threaded_wasm.js';
import {controlBytes, ThreadPool} from './threads.js';
import {installComplexStorage} from './complex.js';

export const BACKEND_NAME = 'as';
/** Above tfjs-backend-wasm (2) and webgl (2): 'as' is picked by default when it is loaded. */
export const BACKEND_PRIORITY = 3;

function chosenVariant(): KernelVariant {
  const requested = globalState().requestedVariant;
  return requested === 'auto' ? bestVariant() : requested;
}

async function createBackend(): Promise<BackendWasm> {
  const wasmFactory = tf.findBackendFactory('wasm');
  if (wasmFactory == null) throw new Error(`tfjs-backend-as: backend 'wasm' is not registered`);
  let backend: BackendWasm | undefined;
  let threadsNote = '';
  if (isNode()) {
    // Our worker threads need a shared heap: in Node only tfjs-backend-wasm's threaded build has one.
    try {
      backend = await createNodeThreadedBackend();
    } catch (e) {
      threadsNote = `tfjs-backend-wasm's threaded build did not start (${(e as Error).message}), so the heap is not shared`;
    }
  }
  try {
    backend ??= (await wasmFactory()) as BackendWasm;
  } catch (e) {
    // tfjs-backend-wasm rejects with a plain object; give the user an Error that says what to do.
    const message = (e as {message?: string})?.message ?? String(e);
    throw new Error(
      `tfjs-backend-as: tfjs-backend-wasm could not load its binary ${await wantedWasmBinary()}. ` +
        `Our own kernels are inlined in the package, but tfjs-backend-wasm's .wasm files must be served: copy ` +
        `tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm and tfjs-backend-wasm-threaded-simd.wasm from ` +
        `@tensorflow/tfjs-backend-wasm/dist/ to your site and call setWasmPaths('<their directory URL>/') from ` +
        `'@tensorflow/tfjs-backend-wasm' before tf.setBackend('as'). Cause: ${message}`,
    );
  }
  installCheckedAllocation(backend);
  installComplexStorage(backend);
  const memory = memoryOf(backend);
  const variant = chosenVariant();
  const instance: InstanceState = {
    kernels: await instantiateKernels(variant, memory),
    variant,
    memory,
    sharedMemory: isSharedMemory(memory),
    pool: null,
    threadsNote,
  };
  globalState().instances.set(backend, instance);
  await startThreads(backend, instance);
  // tf.removeBackend('as') disposes the backend: end its workers with it.
  const dispose = backend.dispose.bind(backend);
  backend.dispose = () => {
    instance.pool?.dispose();
    instance.pool = null;
    dispose();
  };
  return backend;
}

/**
 * (Re)starts the instance's workers for the requested thread count and its current variant.
 * Fewer threads than asked for run when the heap is not shared or there are no workers here;
 * `threadsNote` says why.
 */
async function startThreads(backend: BackendWasm, instance: InstanceState): Promise<void> {
  instance.pool?.dispose();
  instance.pool = null;
  const requested = globalState().requestedThreads;
  const threads = requested === 'auto' ? await coreCount() : requested;
  if (threads <= 1) return;
  if (!instance.sharedMemory) {
    instance.threadsNote ||= isNode()
      ? 'the heap is not a shared memory'
      : 'the heap is not a shared memory: the page is not cross-origin isolated (serve it with COOP/COEP headers)';
    return;
  }
  const heap = backend.wasm as unknown as {_malloc(bytes: number): number};
  // The control block lives as long as the heap (a worker may read it until it has exited).
  const control = heap._malloc(controlBytes(threads - 1));
  try {
    instance.pool = await ThreadPool.start(
      instance.memory,
      await kernelModule(instance.variant, true),
      control,
      threads - 1,
    );
    instance.threadsNote = '';
  } catch (e) {
    instance.threadsNote = `the worker threads did not start (${(e as Error).message})`;
  }
}

/**
 * The .wasm file tfjs-backend-wasm tries to load here (its own rule: threaded SIMD when the
 * runtime has SIMD and threads, i.e. a cross-origin-isolated page; SIMD; else plain), quoted
 * with the reason, for the error message when it cannot be fetched.
 */
async function wantedWasmBinary(): Promise<string> {
  try {
    const [simd, threads] = await Promise.all([
      tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    ]);
    if (simd && threads)
      return `'tfjs-backend-wasm-threaded-simd.wasm' (this page has SIMD and threads: it is cross-origin isolated)`;
    if (simd)
      return `'tfjs-backend-wasm-simd.wasm' (this runtime has SIMD, and no threads: the page is not cross-origin isolated)`;
    return `'tfjs-backend-wasm.wasm' (this runtime has no WebAssembly SIMD)`;
  } catch {
    return `(tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm or tfjs-backend-wasm-threaded-simd.wasm)`;
  }
}

/**
 * The kernels that have a complex64 form on 'as' and those that have a string form. Any other
 * kernel given a complex64 or string input throws before it runs, naming itself and the dtype:
 * tfjs-backend-wasm's kernels would read such a tensor's memoryOffset (null: heap address 0)
 * as numbers.
 */
export interface DtypeForms {
  complex64: ReadonlySet<string>;
  string: ReadonlySet<string>;
}

/** `kernel` with its inputs' dtypes checked against `forms` first. */
function checkDtypes(kernel: tf.KernelConfig, forms: DtypeForms): tf.KernelConfig {
  const {kernelName, kernelFunc} = kernel;
  const complexOk = forms.complex64.has(kernelName),
    stringOk = forms.string.has(kernelName);
  if (complexOk && stringOk) return kernel;
  const checked: tf.KernelFunc = args => {
    // for-in, not Object.entries: this runs on every kernel call, and a batch-1 predict is a few
    // microseconds of kernels each (no array per call).
    for (const name in args.inputs) {
      const t = args.inputs[name];
      const dtype = (t as tf.TensorInfo | undefined)?.dtype;
      if ((dtype === 'complex64' && !complexOk) || (dtype === 'string' && !stringOk)) {
        throw new Error(
          `${kernelName}: input '${name}' is a ${dtype} tensor of shape [${(t as tf.TensorInfo).shape}], and ` +
            `kernel '${kernelName}' has no ${dtype} form on backend 'as'`,
        );
      }
    }
    return kernelFunc(args);
  };
  return {...kernel, kernelFunc: checked};
}

/**
 * Registers the backend and its kernels, whatever copy of us runs this: once per process, and
 * again after tf.removeBackend('as') (a no-op while 'as' is registered). `assemblyScriptKernels`
 * compute in the AssemblyScript module; `heapKernels` are overrides written in TypeScript that
 * only move or share bytes on the heap (no arithmetic to speed up); `dtypeForms` says which
 * kernels accept complex64 and string inputs; `typescriptKernels` are the other overrides written
 * in TypeScript (complex forms on the parts, compositions, string and ragged kernels in JavaScript). Every kernel, ours and the inherited ones, runs
 * inside guardKernel (src/backend/allocation.ts).
 */
export function registerBackend(
  assemblyScriptKernels: tf.KernelConfig[],
  heapKernels: tf.KernelConfig[] = [],
  dtypeForms: DtypeForms = {complex64: new Set(), string: new Set()},
  typescriptKernels: tf.KernelConfig[] = [],
): void {
  const state = globalState();
  if (tf.findBackendFactory(BACKEND_NAME) != null) return;
  tf.registerBackend(BACKEND_NAME, createBackend, BACKEND_PRIORITY);
  // Kernels outlive tf.removeBackend (tfjs keeps its kernel registry): register them only once,
  // or tfjs warns about each one on re-registration.
  if (state.registered) return;
  state.registered = true;
  state.assemblyScriptKernels = assemblyScriptKernels.map(k => k.kernelName).sort();
  state.heapKernels = heapKernels.map(k => k.kernelName).sort();
  state.typescriptKernels = typescriptKernels.map(k => k.kernelName).sort();
  const ourKernels = [...assemblyScriptKernels, ...heapKernels, ...typescriptKernels];
  const overridden = new Set(ourKernels.map(k => k.kernelName));
  const register = (kernel: tf.KernelConfig) =>
    tf.registerKernel(guardKernel(checkDtypes(kernel, dtypeForms), BACKEND_NAME));
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    if (!overridden.has(kernel.kernelName)) register(kernel);
  }
  for (const kernel of ourKernels) register(kernel);
}

/** The 'as' backend instance if it has been initialized, without initializing it. */
function initializedInstance(): BackendWasm | undefined {
  const registry = (tf.engine() as unknown as {registry: Record<string, tf.KernelBackend>}).registry;
  return registry[BACKEND_NAME] as BackendWasm | undefined;
}

export interface BackendInfo {
  variant: KernelVariant;
  simd: boolean;
  relaxedSimd: boolean;
  sharedMemory: boolean;
  /** Kernels that run in AssemblyScript. */
  kernels: string[];
  /** Kernels overridden in TypeScript that only move or share bytes on the heap (Slice, GatherV2, Identity). */
  heapKernels: string[];
  /** Threads a large kernel call runs on (the calling one included); 1 until the backend initializes. */
  threads: number;
  /** What setThreads asked for. */
  requestedThreads: number | 'auto';
  /** Why fewer threads run than were asked for; absent when as many run. */
  threadsNote?: string;
  /**
   * Other kernels overridden in TypeScript: complex64 forms (on the real and imaginary parts),
   * compositions of other kernels (Einsum), string and ragged kernels (JavaScript on the values).
   */
  typescriptKernels: string[];
}

/**
 * What runs: the kernels variant in use (or the one that will be used once the backend
 * initializes), what the runtime supports, whether the heap is a shared memory, and which
 * kernels run in AssemblyScript.
 */
export function backendInfo(): BackendInfo {
  const state = globalState();
  const backend = initializedInstance();
  const instance = backend && state.instances.get(backend);
  const {simd, relaxedSimd} = runtimeSupport();
  return {
    variant: instance?.variant ?? chosenVariant(),
    simd,
    relaxedSimd,
    sharedMemory: instance?.sharedMemory ?? false,
    kernels: [...state.assemblyScriptKernels],
    heapKernels: [...state.heapKernels],
    threads: instance ? threadsOf(instance) : 1,
    requestedThreads: state.requestedThreads,
    ...(instance && threadsNoteOf(instance) ? {threadsNote: threadsNoteOf(instance)} : {}),
    typescriptKernels: [...(state.typescriptKernels ?? [])],
  };
}

function threadsOf(instance: InstanceState): number {
  return instance.pool && !instance.pool.failed ? instance.pool.size + 1 : 1;
}

function threadsNoteOf(instance: InstanceState): string {
  const failed = instance.pool?.failed;
  return failed ? `worker thread ${failed.worker} stopped (${failed.reason})` : instance.threadsNote;
}

/**
 * How many threads 'as' kernels use: a positive integer, or 'auto' for every core
 * (os.availableParallelism() in Node, navigator.hardwareConcurrency in a page). The default is
 * 'auto'. Applies at once to an initialized 'as' backend (its workers restart); results are
 * bit-identical whatever the count.
 */
export function setThreads(threads: number | 'auto'): Promise<void> {
  if (threads !== 'auto' && !(typeof threads === 'number' && Number.isInteger(threads) && threads >= 1)) {
    throw new Error(
      `setThreads: expected a positive integer or 'auto', got ${typeof threads === 'number' ? threads : JSON.stringify(threads)}`,
    );
  }
  return (async () => {
    const state = globalState();
    state.requestedThreads = threads;
    const backend = initializedInstance();
    const instance = backend && state.instances.get(backend);
    if (instance) await startThreads(backend, instance);
  })();
}

/**
 * Chooses the kernels build: 'auto' (the best the runtime validates), 'scalar', 'simd' or
 * 'relaxed-simd'. An unknown name throws; a variant the runtime cannot run rejects with why.
 * Applies at once to an initialized 'as' backend (the heap and every tensor stay as they are).
 */
export function setKernelVariant(variant: 'auto' | KernelVariant): Promise<void> {
  checkVariantName(variant);
  return (async () => {
    if (variant !== 'auto') checkVariantRuns(variant);
    const state = globalState();
    state.requestedVariant = variant;
    const backend = initializedInstance();
    const instance = backend && state.instances.get(backend);
    if (instance) {
      const next = chosenVariant();
      instance.kernels = await instantiateKernels(next, instance.memory);
      instance.variant = next;
      if (instance.pool) await startThreads(backend, instance); // the workers run the same variant
    }
  })();
}
