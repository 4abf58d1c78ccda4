// Worker threads that run the AssemblyScript kernels on the shared heap, so one kernel call uses
// every core. Each worker instantiates the same kernels module on the same shared
// WebAssembly.Memory (tfjs-backend-wasm's threaded build: in Node see node_threaded_wasm.ts, in a
// cross-origin-isolated page tfjs picks it itself). A call splits its work into parts (a GEMM: C's
// rows, cut at multiples of the micro-kernel's 4 rows, or its columns at multiples of 8, so that
// every element is computed exactly as on one thread), the calling thread computes part 0 and the
// workers the others.
//
// Signalling is through a control block on the heap, one slot of SLOT_INTS int32 per worker:
//   [SEQ]    the caller bumps it (Atomics.notify) to start a job
//   [DONE]   the worker copies SEQ there (Atomics.notify) when its part is done
//   [STATUS] 0 ok, 1 the export threw (the message follows by postMessage)
//   [OP]     index of the export to call, [ARGC] its argument count, [FLOATS] a bit per f32 argument
//   [STARTED] (a float64 over two slots) when the worker picked the job up, in ms since the epoch
//   [ARGS..] the arguments (int32 bits; f32 arguments as float bits)
// Atomics.wait/notify cost microseconds where postMessage costs tens of them, which matters for
// products of a millisecond. Workers never keep a Node process alive (unref), and a worker that
// dies makes the next call throw, naming it; every later call runs on one thread.
import {isNode, workerExecArgv} from './node_threaded_wasm.js';

const SLOT_INTS = 32;
const SEQ = 0,
  DONE = 1,
  STATUS = 2,
  OP = 3,
  ARGC = 4,
  FLOATS = 5,
  STARTED = 6,
  ARGS = 8;
const MAX_ARGS = SLOT_INTS - ARGS;
/**
 * How long the calling thread spins for the workers after its own part before it blocks in
 * Atomics.wait. It has nothing else to do meanwhile, and a thread that blocks may be woken on
 * another core, away from its cache: in the seed's training step on 2 vCPUs, kernels that stay on
 * one thread ran slower after a split product (the [784,500] RMSprop update 0.31 -> 0.49 ms), and
 * in five paired runs of the step on 2 threads (one process, alternating) spinning was 2-10%
 * faster than blocking. A worker is normally done well within this; one that is descheduled for
 * longer finds the caller blocked, as before.
 */
const SPIN_WAIT_MS = 5;
/** Start delays kept between two takeStartDelays calls (the rest are dropped: 80 KB at most when nobody takes them). */
const START_DELAYS_KEPT = 10_000;
/** Exports a worker can be asked to run (an index into this list goes in [OP]); 'exit' ends it. */
export const WORKER_EXPORTS = [
  'exit',
  'gemmF32Part',
  'convForwardRowsF32',
  'convFilterGradPartF32',
  'convInputGradColsPartF32',
  'dropoutPartF32',
  'randomBinomialPart',
  'depthwisePartF32',
  'depthwiseInputGradPartF32',
  'depthwiseFilterGradPartF32',
  'rmspropF32',
  'adamF32',
  'sgdF32',
] as const;
export type WorkerExport = Exclude<(typeof WORKER_EXPORTS)[number], 'exit'>;

/** Bytes of control block a pool of `workers` workers needs on the heap. */
export const controlBytes = (workers: number) => workers * SLOT_INTS * 4;

// The worker's whole program, as source text: Node runs it with `eval: true`, a page from a Blob
// URL. It instantiates the module, says 'ready', then serves jobs until told to exit.
const WORKER_SOURCE = `
'use strict';
const SLOT_INTS = ${SLOT_INTS}, SEQ = ${SEQ}, DONE = ${DONE}, STATUS = ${STATUS}, OP = ${OP}, ARGC = ${ARGC}, FLOATS = ${FLOATS}, STARTED = ${STARTED}, ARGS = ${ARGS};
const EXPORTS = ${JSON.stringify(WORKER_EXPORTS)};
let port;
function serve(data) {
  const exports = new WebAssembly.Instance(data.module, {env: {memory: data.memory}}).exports;
  const byteOffset = data.control + data.index * SLOT_INTS * 4;
  // The control block sits below the memory's size at start-up: a view made now stays valid
  // when the memory grows (a shared buffer is never detached).
  const ctl = new Int32Array(data.memory.buffer, byteOffset, SLOT_INTS);
  const f32 = new Float32Array(data.memory.buffer, byteOffset, SLOT_INTS);
  const started = new Float64Array(data.memory.buffer, byteOffset + STARTED * 4, 1);
  // The caller zeroed the block and posts no job before 'ready': the first job is SEQ 1.
  let seen = 0;
  port.postMessage({ready: true});
  for (;;) {
    Atomics.wait(ctl, SEQ, seen);
    seen = Atomics.load(ctl, SEQ);
    started[0] = performance.timeOrigin + performance.now();
    const name = EXPORTS[ctl[OP]];
    if (name === 'exit' || name === undefined) break;
    try {
      const argc = ctl[ARGC], floats = ctl[FLOATS], args = new Array(argc);
      for (let i = 0; i < argc; i++) args[i] = (floats >>> i) & 1 ? f32[ARGS + i] : ctl[ARGS + i];
      exports[name](...args);
      ctl[STATUS] = 0;
    } catch (e) {
      ctl[STATUS] = 1;
      port.postMessage({error: String(e && e.stack || e)});
    }
    Atomics.store(ctl, DONE, seen);
    Atomics.notify(ctl, DONE);
  }
  Atomics.store(ctl, DONE, seen);
  if (typeof close === 'function') close();
}
if (typeof require === 'function' && typeof process === 'object' && process.versions && process.versions.node) {
  const {parentPort, workerData} = require('node:worker_threads');
  port = parentPort;
  serve(workerData);
} else {
  port = self;
  self.onmessage = e => serve(e.data);
}
`;

interface WorkerHandle {
  /** Ends the worker (asynchronously) on purpose. */
  terminate(): void;
  /** Ends it as a crash would: its death is reported. */
  kill(): void;
}

const NODE_WORKER_THREADS = 'node:worker_threads';

/** Why the pool stopped (a worker died or timed out), or null while it works. */
interface PoolFailure {
  worker: number;
  reason: string;
}

/**
 * The workers of one backend instance (threads - 1 of them: the calling thread is one).
 * Construct with ThreadPool.start, which resolves once every worker has instantiated the module.
 */
export class ThreadPool {
  private failure: PoolFailure | null = null;
  private reported = false;
  private disposed = false;
  private seq = 0;
  /** The last worker error message (postMessage arrives after DONE; kept for the next report). */
  private lastError = '';
  /** Per worker and job: ms from the notify to the worker picking the job up (see takeStartDelays). */
  private startDelays: number[] = [];
  /** Whether this thread may block in Atomics.wait (not a page's main thread). */
  private readonly canBlock: boolean;

  private constructor(
    readonly memory: WebAssembly.Memory,
    /** Byte offset of the control block on the heap (controlBytes(workers) bytes, owned by the caller). */
    readonly control: number,
    private readonly workers: WorkerHandle[],
  ) {
    this.canBlock = canBlockHere();
  }

  /** Workers (the calling thread is not counted). */
  get size(): number {
    return this.workers.length;
  }

  /** Null while the pool works; else why it stopped (then every call runs on one thread). */
  get failed(): PoolFailure | null {
    return this.failure;
  }

  /**
   * Whether a kernel may split its work over the pool now. The first call after a worker died
   * throws, naming it (the death was seen between calls); every later one gets false.
   */
  usable(): boolean {
    if (!this.failure) return true;
    if (!this.reported) throw this.failureError();
    return false;
  }

  static async start(
    memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    control: number,
    workers: number,
  ): Promise<ThreadPool> {
    const handles: WorkerHandle[] = [];
    const ready: Promise<void>[] = [];
    // The pool exists before its workers report, so that their error and exit events land on it.
    const pool = new ThreadPool(memory, control, handles);
    new Int32Array(memory.buffer, control, workers * SLOT_INTS).fill(0);
    for (let index = 0; index < workers; index++) {
      const data = {module, memory, control, index};
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (message: {ready?: boolean; error?: string}) => {
            if (message.ready) resolve();
            if (message.error) pool.lastError = `worker ${index + 1}: ${message.error}`;
          };
          const onDeath = (reason: string) => {
            reject(new Error(`tfjs-backend-as: worker ${index + 1} failed to start: ${reason}`));
            pool.fail(index + 1, reason);
          };
          handles.push(spawnWorker(data, onMessage, onDeath));
        }),
      );
    }
    try {
      if (isNode()) await loadNodeWorkers();
      await Promise.all(ready);
    } catch (e) {
      pool.dispose();
      throw e;
    }
    return pool;
  }

  /**
   * Runs `name` once per part: parts[0] on this thread (through `local`), parts[1..] on the
   * workers, and returns when all are done. `floats` marks the f32 arguments (bit i = argument i).
   * Throws, naming the worker, when one died or failed; the pool is then unusable (failed).
   * When a worker stops answering, `quarantine` is called: the caller keeps every heap block that
   * worker could still write allocated for good, so that a late write cannot touch reused memory.
   */
  run(
    name: WorkerExport,
    parts: number[][],
    floats: number,
    local: (args: number[]) => void,
    quarantine: () => void,
  ): void {
    if (this.failure) throw this.failureError();
    if (parts.length - 1 > this.workers.length)
      throw new Error(`tfjs-backend-as: ${parts.length} parts for ${this.workers.length + 1} threads`);
    const op = WORKER_EXPORTS.indexOf(name);
    const ctl = new Int32Array(this.memory.buffer, this.control, this.workers.length * SLOT_INTS);
    const f32 = new Float32Array(this.memory.buffer, this.control, this.workers.length * SLOT_INTS);
    // STARTED is at an even int of a 128-byte slot, and the control block is malloc'd (8-aligned).
    const f64 = new Float64Array(this.memory.buffer, this.control, (this.workers.length * SLOT_INTS) / 2);
    const seq = ++this.seq | 0;
    const notifiedAt = performance.timeOrigin + performance.now();
    for (let w = 1; w < parts.length; w++) {
      const args = parts[w]!;
      if (args.length > MAX_ARGS)
        throw new Error(`tfjs-backend-as: ${name} takes ${args.length} arguments, a worker slot holds ${MAX_ARGS}`);
      const base = (w - 1) * SLOT_INTS;
      ctl[base + OP] = op;
      ctl[base + ARGC] = args.length;
      ctl[base + FLOATS] = floats;
      for (let i = 0; i < args.length; i++) {
        if ((floats >>> i) & 1) f32[base + ARGS + i] = args[i]!;
        else ctl[base + ARGS + i] = args[i]!;
      }
      Atomics.store(ctl, base + SEQ, seq);
      Atomics.notify(ctl, base + SEQ);
    }
    const start = performance.now();
    let localError: unknown = null;
    try {
      local(parts[0]!);
    } catch (e) {
      localError = e; // still wait for the workers: they write into the same output
    }
    const localMs = performance.now() - start;
    // A worker gets a generous multiple of what the same share took here before it counts as
    // gone: a loaded machine may deschedule it, and declaring it dead is costly (see below).
    const limitMs = Math.max(5000, 200 * localMs);
    let failedWorker = 0;
    let reason = '';
    for (let w = 1; w < parts.length; w++) {
      const base = (w - 1) * SLOT_INTS;
      while (Atomics.load(ctl, base + DONE) !== seq) {
        if (performance.now() - start > limitMs) {
          // It may be alive and still writing: keep every block it could write to allocated.
          quarantine();
          this.fail(w, `it did not finish its part of ${name} within ${Math.round(limitMs)} ms`);
          throw this.failureError();
        }
        // Spin first (see SPIN_WAIT_MS), then block in short waits.
        if (this.canBlock && performance.now() - start > localMs + SPIN_WAIT_MS)
          Atomics.wait(ctl, base + DONE, Atomics.load(ctl, base + DONE), 20);
      }
      if (this.startDelays.length < START_DELAYS_KEPT) this.startDelays.push(f64[(base + STARTED) / 2]! - notifiedAt);
      // An export that threw: the others are still waited for (they write the same output).
      if (ctl[base + STATUS] !== 0 && !failedWorker) {
        failedWorker = w;
        reason = this.lastError || `its call of ${name} threw`;
      }
    }
    if (failedWorker) {
      this.fail(failedWorker, reason);
      throw this.failureError();
    }
    if (localError) throw localError;
  }

  private fail(worker: number, reason: string): void {
    if (this.failure || this.disposed) return;
    this.failure = {worker, reason};
    for (const w of this.workers) w.terminate();
  }

  private failureError(): Error {
    const {worker, reason} = this.failure!;
    const first = !this.reported;
    this.reported = true;
    return new Error(
      `tfjs-backend-as: worker thread ${worker} of ${this.workers.length} stopped (${reason}); ` +
        `${first ? 'this call failed, and ' : ''}every later call runs on one thread`,
    );
  }

  /**
   * How late the workers started their parts since the last call: for each worker and job, the
   * ms from the caller's notify to the worker picking the job up (at most START_DELAYS_KEPT).
   * The benchmarks report them: a split call waits for its latest worker, so a worker that a
   * busy machine runs late costs the call that much.
   */
  takeStartDelays(): number[] {
    const delays = this.startDelays;
    this.startDelays = [];
    return delays;
  }

  /** Ends worker `index` (1-based) as if it were killed from outside: for the tests. */
  killWorkerForTesting(index: number): void {
    this.workers[index - 1]?.kill();
  }

  /** Ends every worker. The control block stays allocated: a worker may read it until it has exited. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const ctl = new Int32Array(this.memory.buffer, this.control, this.workers.length * SLOT_INTS);
    for (let w = 0; w < this.workers.length; w++) {
      const base = w * SLOT_INTS;
      ctl[base + OP] = 0; // 'exit'
      Atomics.store(ctl, base + SEQ, (Atomics.load(ctl, base + SEQ) + 1) | 0);
      Atomics.notify(ctl, base + SEQ);
    }
    for (const w of this.workers) w.terminate();
  }
}

function canBlockHere(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false; // a page's main thread: spin instead
  }
}

let nodeWorkerThreads: typeof import('node:worker_threads') | null = null;
async function loadNodeWorkers(): Promise<void> {
  nodeWorkerThreads ??= (await import(NODE_WORKER_THREADS)) as typeof import('node:worker_threads');
}

function spawnWorker(
  data: object,
  onMessage: (m: {ready?: boolean; error?: string}) => void,
  onDeath: (reason: string) => void,
): WorkerHandle {
  if (isNode()) {
    let handle: import('node:worker_threads').Worker | null = null;
    let ended = false;
    const pending = (async () => {
      await loadNodeWorkers();
      if (ended) return;
      const {Worker} = nodeWorkerThreads!;
      handle = new Worker(WORKER_SOURCE, {eval: true, workerData: data, execArgv: workerExecArgv(Worker)});
      const worker = handle;
      worker.on('message', (message: {ready?: boolean; error?: string}) => {
        // Ref'd until it is ready (the start-up is awaited), then it never keeps the process alive.
        if (message.ready) worker.unref();
        onMessage(message);
      });
      worker.on('error', e => onDeath(String(e?.message ?? e)));
      worker.on('exit', code => {
        if (!ended) onDeath(`it exited with code ${code}`);
      });
    })();
    pending.catch(e => onDeath(String(e)));
    return {
      terminate: () => {
        ended = true;
        void handle?.terminate();
      },
      kill: () => {
        void handle?.terminate();
      },
    };
  }
  const WorkerClass = (globalThis as {Worker?: typeof Worker}).Worker;
  if (!WorkerClass) throw new Error('tfjs-backend-as: this runtime has no Worker');
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], {type: 'text/javascript'}));
  const worker = new WorkerClass(url);
  URL.revokeObjectURL(url);
  let ended = false;
  worker.onmessage = e => onMessage(e.data);
  worker.onerror = e => {
    if (!ended) onDeath(e.message || 'it failed');
  };
  worker.postMessage(data);
  return {
    terminate: () => {
      ended = true;
      worker.terminate();
    },
    kill: () => {
      worker.terminate();
      onDeath('it was terminated');
    },
  };
}

/**
 * Rows of an m-row product per part for `threads` threads: multiples of `rowBlock` (the
 * micro-kernel's rows), as even as that allows; fewer parts when there are fewer blocks.
 */
export function splitRows(m: number, threads: number, rowBlock: number): [number, number][] {
  const blocks = Math.ceil(m / rowBlock);
  const parts = Math.min(threads, blocks);
  const out: [number, number][] = [];
  for (let t = 0, start = 0; t < parts; t++) {
    const count = Math.floor(blocks / parts) + (t < blocks % parts ? 1 : 0);
    const end = Math.min(m, start + count * rowBlock);
    out.push([start, end]);
    start = end;
  }
  return out;
}
