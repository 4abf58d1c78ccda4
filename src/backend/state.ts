// Per-process state of the 'as' backend. It lives on a global (like tfjs' own engine and
// registries) so that two copies of this package in one process (say the ESM and the CommonJS
// build) share one registration, one variant choice and one view of every 'as' instance.
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import type {KernelExports} from './kernel_module.js';
import type {KernelVariant} from './variants.js';
import type {ThreadPool} from './threads.js';

export interface InstanceState {
  kernels: KernelExports;
  variant: KernelVariant;
  memory: WebAssembly.Memory;
  sharedMemory: boolean;
  /** Workers on the shared heap (null: one thread); see src/backend/threads.ts. */
  pool: ThreadPool | null;
  /** Why fewer threads run than were asked for ('' when as many run). */
  threadsNote: string;
}

export interface GlobalState {
  registered: boolean;
  requestedVariant: 'auto' | KernelVariant;
  /** setThreads(): 'auto' = every core. */
  requestedThreads: number | 'auto';
  instances: WeakMap<BackendWasm, InstanceState>;
  /** Kernel names we run in AssemblyScript, for backendInfo(). */
  assemblyScriptKernels: string[];
  /** Kernel names we override in TypeScript on the heap (memmoves, shared data), for backendInfo(). */
  heapKernels: string[];
  /** Other kernels overridden in TypeScript (complex forms, compositions, string and ragged kernels). */
  typescriptKernels?: string[];
  /**
   * How Conv2DBackpropInput computes a stride-1 gradient (src/kernels/utils/conv.ts): 'auto', or a
   * path forced by the benchmark that measures both. Here, not in that module, so that the
   * benchmark CLI (which reaches the backend by the package's name) sets the one the kernels read.
   */
  convInputGradPath?: ConvInputGradPath;
  /**
   * Split convolutions and Philox passes of any size (their size thresholds off; the structural
   * conditions stay): for measuring those thresholds (scripts/thread_thresholds.ts).
   */
  ignoreThreadThresholds?: boolean;
  /** Test hooks (src/backend/allocation.ts failMallocAfter): never set outside tests. */
  faults: {failMallocIn: number};
}

/** See GlobalState.convInputGradPath. */
export type ConvInputGradPath = 'auto' | 'implicit' | 'cols';

/** Turns the size thresholds of the threaded convolutions and Philox passes off (true) or on: for measuring them. */
export function setIgnoreThreadThresholds(on: boolean): void {
  globalState().ignoreThreadThresholds = on;
}

/** Forces (or, with 'auto', stops forcing) Conv2DBackpropInput's stride-1 path: for the benchmark. */
export function setConvInputGradPath(path: ConvInputGradPath): void {
  globalState().convInputGradPath = path;
}

const KEY = Symbol.for('tfjs-backend-as.state');

export function globalState(): GlobalState {
  const g = globalThis as unknown as Record<symbol, GlobalState>;
  g[KEY] ??= {
    registered: false,
    requestedVariant: 'auto',
    requestedThreads: 'auto',
    instances: new WeakMap(),
    assemblyScriptKernels: [],
    heapKernels: [],
    faults: {failMallocIn: 0},
  };
  const state = g[KEY];
  state.faults ??= {failMallocIn: 0}; // a state made by an older copy of this package
  state.requestedThreads ??= 'auto';
  return state;
}

/** Everything 'as' keeps about one backend instance. */
export function instanceOf(backend: BackendWasm): InstanceState {
  const state = globalState().instances.get(backend);
  if (!state) throw new Error(`tfjs-backend-as: this backend instance was not created by the 'as' backend factory`);
  return state;
}

/** The kernels module bound to this backend instance's heap. */
export function kernelsOf(backend: BackendWasm): KernelExports {
  const state = globalState().instances.get(backend);
  if (!state) throw new Error(`tfjs-backend-as: this backend instance was not created by the 'as' backend factory`);
  return state.kernels;
}
