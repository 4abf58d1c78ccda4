// In Node, tfjs-backend-wasm's threaded build on a shared WebAssembly.Memory: the heap our
// worker threads compute on (src/backend/threads.ts). tfjs' own init() cannot start that build in
// Node (it hands Node's Worker a blob: URL for emscripten's pthread worker), so we start it the
// way emscripten documents for Node: the pthread worker's source (which tfjs-backend-wasm ships
// as a string) written to a file, and the factory told where that file and the .wasm are.
// Everything Node-only is imported lazily through variables, so browser bundles never see it.
import {BackendWasm} from '@tensorflow/tfjs-backend-wasm';

const NODE_FS = 'node:fs';
const NODE_OS = 'node:os';
const NODE_PATH = 'node:path';
const NODE_MODULE = 'node:module';
const NODE_URL = 'node:url';

type EmscriptenModule = {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  wasmMemory?: WebAssembly.Memory;
  tfjs?: unknown;
};
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

declare const __filename: string | undefined;

/** Whether this process has written emscripten's pthread worker file (once per process). */
let workerFileWritten = false;

export function isNode(): boolean {
  const p = (globalThis as {process?: {versions?: {node?: string}}}).process;
  return typeof p?.versions?.node === 'string';
}

type NodeWorkerClass = typeof import('node:worker_threads').Worker;

/** workerExecArgv's answer for this process's flags (they do not change while it runs). */
let workerFlags: string[] | null = null;

/**
 * The parent's Node flags that a worker can start with. Node's Worker inherits process.execArgv,
 * and refuses to start (ERR_WORKER_INVALID_EXEC_ARGV) when it holds
 *   - a flag for a main script given on the command line (`-e`/`--eval`/`-p`/`--print` and its
 *     code, `--input-type`): dropped here;
 *   - a V8 option (`--experimental-wasm-relaxed-simd`, `--max-old-space-size`, ...): V8's flags
 *     hold for the whole process, workers included, so they are not needed either. Which ones Node
 *     refuses is asked of Node itself, once: a throwaway worker started with the flags names them.
 * (Started with `--experimental-wasm-relaxed-simd`, every worker failed, so 'as' ran on one thread
 * and without a shared heap.)
 */
export function workerExecArgv(Worker: NodeWorkerClass): string[] {
  if (workerFlags) return workerFlags;
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (['-e', '--eval', '-p', '--print', '--input-type'].includes(flag)) {
      i++;
      continue;
    }
    if (/^(--eval|--print|--input-type)=/.test(flag)) continue;
    out.push(flag);
  }
  workerFlags = out.length > 0 ? withoutRefused(Worker, out) : out;
  return workerFlags;
}

/** `flags` without those Node refuses in a worker's execArgv (it lists them in its error). */
function withoutRefused(Worker: NodeWorkerClass, flags: string[]): string[] {
  try {
    const probe = new Worker('', {eval: true, execArgv: flags});
    probe.unref();
    void probe.terminate();
    return flags;
  } catch (e) {
    const error = e as {code?: string; message?: string};
    if (error.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return flags;
    // "Initiated Worker with invalid execArgv flags: --a, --b"
    const message = String(error.message);
    const refused = new Set(message.slice(message.lastIndexOf(': ') + 2).split(', '));
    return flags.filter(f => !refused.has(f));
  }
}

/** A require() that resolves from this package's own location (its tfjs-backend-wasm dependency). */
async function packageRequire(): Promise<(id: string) => unknown> {
  const {createRequire} = (await import(NODE_MODULE)) as typeof import('node:module');
  if (typeof __filename === 'string') return createRequire(__filename);
  const {pathToFileURL} = (await import(NODE_URL)) as typeof import('node:url');
  // import.meta is empty in the CommonJS build; __filename exists there instead.
  return createRequire(import.meta.url ?? pathToFileURL(`${process.cwd()}/`).href);
}

/**
 * A BackendWasm on tfjs-backend-wasm's threaded SIMD build, whose memory is a shared
 * WebAssembly.Memory. Throws (with the cause) when that build cannot start here.
 */
export async function createNodeThreadedBackend(): Promise<BackendWasm> {
  const fs = (await import(NODE_FS)) as typeof import('node:fs');
  const os = (await import(NODE_OS)) as typeof import('node:os');
  const path = (await import(NODE_PATH)) as typeof import('node:path');
  const require = await packageRequire();
  const wasmOut = path.dirname(
    (require as unknown as {resolve(id: string): string}).resolve(
      '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
    ),
  );
  const mainScript = path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const wasmFile = path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.wasm');
  const imported = require(mainScript) as Factory | {default: Factory};
  const factory = typeof imported === 'function' ? imported : imported.default;
  const {wasmWorkerContents} = require(path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // One file per process (emscripten reads it for every pthread it starts); tfjs escapes '\n'
  // in the shipped string the same way before turning it into a Blob.
  // Written once per process (a backend made again after tf.removeBackend reuses it), removed at exit.
  const workerFile = path.join(os.tmpdir(), `tfjs-backend-as-pthread-${process.pid}.js`);
  if (!workerFileWritten) {
    workerFileWritten = true;
    fs.writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));
    process.once('exit', () => fs.rmSync(workerFile, {force: true}));
  }
  let aborted = '';
  // Emscripten starts its pthread workers with `require('worker_threads').Worker`, which it takes
  // (and keeps as a global) when the factory is called. A Worker inherits the parent's Node
  // flags, and one started with a flag for an inline main script (`node -e`, `--input-type`)
  // refuses to run its file: hand emscripten a Worker that passes flags its workers can run with.
  const workerThreads = require('node:worker_threads') as {Worker: typeof import('node:worker_threads').Worker};
  const NodeWorker = workerThreads.Worker;
  workerThreads.Worker = class PthreadWorker extends NodeWorker {
    constructor(file: string | URL, options: import('node:worker_threads').WorkerOptions = {}) {
      super(file, {execArgv: workerExecArgv(NodeWorker), ...options});
    }
  };
  let starting: Promise<EmscriptenModule>;
  try {
    starting = factory({
      locateFile: (file: string, prefix: string) =>
        file.endsWith('.worker.js') ? workerFile : file.endsWith('.wasm') ? wasmFile : prefix + file,
      mainScriptUrlOrBlob: mainScript,
      onAbort: (what: unknown) => {
        aborted = String(what);
      },
      print: () => {},
    });
  } finally {
    workerThreads.Worker = NodeWorker;
  }
  const module = await starting;
  if (aborted || !(module.wasmMemory?.buffer instanceof SharedArrayBuffer)) {
    throw new Error(
      aborted
        ? `tfjs-backend-wasm's threaded build aborted: ${aborted}`
        : `tfjs-backend-wasm's threaded build started without a shared memory`,
    );
  }
  // What tfjs-backend-wasm's init() adds before it constructs the backend.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return new BackendWasm(module as never);
}

/** Logical cores: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in a page. */
export async function coreCount(): Promise<number> {
  if (isNode()) {
    const os = (await import(NODE_OS)) as typeof import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  const n = (globalThis as {navigator?: {hardwareConcurrency?: number}}).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}
