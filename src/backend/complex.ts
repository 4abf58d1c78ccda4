// Complex64 tensors on the heap of 'as'. tfjs-backend-wasm has no complex storage; like
// tfjs-backend-cpu ("complexTensorInfos"), a complex tensor here is a data-map entry that owns two
// float32 tensors on the heap, its real part and its imaginary part, and no buffer of its own
// (memoryOffset null). Kernels with a complex form (src/kernels/utils/complex.ts) work on the two
// parts with the real kernels; every other kernel refuses complex inputs before it runs
// (src/backend/register.ts), so nothing ever reads a complex tensor's bytes as numbers.
//
// The entry points of BackendWasm that see a dtype are extended per instance: move (tf.tensor
// data, a tensor moved from another backend: interleaved re, im values), readSync (interleaved
// again, as tfjs expects) and disposeData (the parts go with the entry).
import {backend_util, type DataId, type DataType, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {recordAllocation} from './allocation.js';

export interface ComplexParts {
  real: TensorInfo;
  imag: TensorInfo;
}

/** The data-map entry of a complex64 tensor. */
interface ComplexEntry {
  id: number;
  memoryOffset: null;
  shape: number[];
  dtype: 'complex64';
  refCount: number;
  complexTensorInfos: ComplexParts;
}

type Entry = {dtype: DataType; refCount: number; complexTensorInfos?: ComplexParts};
// has() first: DataStorage.get of an unknown id asks the engine to move the data from another backend.
const entryOf = (backend: BackendWasm, dataId: DataId) =>
  backend.dataIdMap.has(dataId) ? (backend.dataIdMap.get(dataId) as unknown as Entry) : undefined;
const installed = new WeakSet<BackendWasm>();

/** Adds complex64 storage to `backend` (once per instance). */
export function installComplexStorage(backend: BackendWasm): void {
  if (installed.has(backend)) return;
  installed.add(backend);
  const {move, readSync, disposeData} = backend;

  backend.move = function (this: BackendWasm, dataId, values, shape, dtype, refCount) {
    if (dtype !== 'complex64') return move.call(this, dataId, values, shape, dtype, refCount);
    const n = util.sizeFromShape(shape);
    let re: Float32Array | null = null,
      im: Float32Array | null = null;
    if (values != null) {
      const split = backend_util.splitRealAndImagArrays(values as Float32Array);
      re = split.real;
      im = split.imag;
      if (re.length !== n)
        throw new Error(
          `complex64 tensor of shape [${shape}]: got ${values.length} interleaved values, expected ${2 * n}`,
        );
    }
    const real = this.makeOutput(shape, 'float32', undefined, re ?? undefined);
    const imag = this.makeOutput(shape, 'float32', undefined, im ?? undefined);
    setComplexEntry(this, dataId, {real, imag}, shape, refCount);
  };

  backend.readSync = function (this: BackendWasm, dataId, start?: number, end?: number) {
    const entry = entryOf(this, dataId);
    if (!entry?.complexTensorInfos) return readSync.call(this, dataId, start, end);
    const {real, imag} = entry.complexTensorInfos;
    return backend_util.mergeRealAndImagArrays(
      readSync.call(this, real.dataId, start, end) as Float32Array,
      readSync.call(this, imag.dataId, start, end) as Float32Array,
    );
  } as BackendWasm['readSync'];

  backend.disposeData = function (this: BackendWasm, dataId, force = false) {
    const entry = entryOf(this, dataId);
    if (!entry?.complexTensorInfos) return disposeData.call(this, dataId, force);
    entry.refCount--;
    if (!force && entry.refCount > 0) return false;
    const {real, imag} = entry.complexTensorInfos;
    this.dataIdMap.delete(dataId);
    disposeData.call(this, real.dataId);
    disposeData.call(this, imag.dataId);
    return true;
  };
}

function setComplexEntry(
  backend: BackendWasm,
  dataId: DataId,
  parts: ComplexParts,
  shape: number[],
  refCount: number,
): void {
  const b = backend as unknown as {dataIdNextNumber: number};
  const entry: ComplexEntry = {
    id: b.dataIdNextNumber++,
    memoryOffset: null,
    shape,
    dtype: 'complex64',
    refCount,
    complexTensorInfos: parts,
  };
  backend.dataIdMap.set(dataId, entry as never);
}

/**
 * A new complex64 output made of `real` and `imag` (float32, one shape), which it takes over:
 * disposing the complex tensor disposes them.
 */
export function makeComplexOutput(backend: BackendWasm, real: TensorInfo, imag: TensorInfo): TensorInfo {
  if (real.dtype !== 'float32' || imag.dtype !== 'float32' || !util.arraysEqual(real.shape, imag.shape)) {
    throw new Error(
      `complex64: the parts must be float32 tensors of one shape, got ${real.dtype} [${real.shape}] and ` +
        `${imag.dtype} [${imag.shape}]`,
    );
  }
  const dataId = {id: -1};
  setComplexEntry(backend, dataId, {real, imag}, real.shape.slice(), 1);
  dataId.id = (backend.dataIdMap.get(dataId) as unknown as ComplexEntry).id;
  recordAllocation(backend, dataId);
  return {dataId, shape: real.shape.slice(), dtype: 'complex64'};
}

/** The real and imaginary parts of complex tensor `t`, shaped like `t` (a reshape shares the entry). */
export function complexParts(backend: BackendWasm, t: TensorInfo): ComplexParts {
  // get(), not entryOf: a tensor still on another backend is moved here first (engine.moveData).
  const parts = (backend.dataIdMap.get(t.dataId) as unknown as Entry | undefined)?.complexTensorInfos;
  if (t.dtype !== 'complex64' || !parts)
    throw new Error(`expected a complex64 tensor on backend 'as', got ${t.dtype} of shape [${t.shape}]`);
  return {
    real: {dataId: parts.real.dataId, shape: t.shape, dtype: 'float32'},
    imag: {dataId: parts.imag.dataId, shape: t.shape, dtype: 'float32'},
  };
}
