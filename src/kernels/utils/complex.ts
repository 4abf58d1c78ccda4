// What the complex forms of kernels share: calling another kernel of 'as' (the registered one,
// guarded and dtype-checked) on the parts of complex tensors, freeing intermediates, and a
// KernelConfig that sends complex inputs to a complex form and everything else to
// tfjs-backend-wasm's kernel (whose setup, binding its C++ function, must run for 'as' too).
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, NamedAttrMap, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {complexParts, makeComplexOutput} from '../../backend/complex.js';

/** Runs kernel `name` of 'as' on `inputs`; the caller owns the output. */
export function runKernel(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: object = {},
): TensorInfo {
  const kernel = tf.getKernel(name, 'as');
  if (!kernel) throw new Error(`tfjs-backend-as: kernel '${name}' is not registered for 'as'`);
  return kernel.kernelFunc({inputs, backend, attrs: attrs as NamedAttrMap}) as TensorInfo;
}

/** Frees intermediate outputs. */
export function free(backend: BackendWasm, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

/** A complex64 output from `f` applied to the real parts and to the imaginary parts of `inputs`. */
export function partwise(
  backend: BackendWasm,
  inputs: TensorInfo[],
  f: (parts: TensorInfo[]) => TensorInfo,
): TensorInfo {
  const parts = inputs.map(t => complexParts(backend, t));
  const real = f(parts.map(p => p.real));
  let imag: TensorInfo;
  try {
    imag = f(parts.map(p => p.imag));
  } catch (e) {
    free(backend, real);
    throw e;
  }
  return makeComplexOutput(backend, real, imag);
}

export const isComplex = (t: TensorInfo | undefined) => t?.dtype === 'complex64';

type Args = {inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: Record<string, unknown>};

/**
 * Kernel `kernelName` for 'as': `complexForm` when an input is complex64, else `realForm`
 * (default: tfjs-backend-wasm's own kernel).
 */
export function withComplexForm(
  kernelName: string,
  complexForm: (args: Args) => TensorInfo,
  realForm?: (args: Args) => TensorInfo,
): KernelConfig {
  const wasmConfig = tf.getKernel(kernelName, 'wasm');
  const real = realForm ?? (wasmConfig?.kernelFunc as unknown as (args: Args) => TensorInfo | undefined);
  if (!real) throw new Error(`tfjs-backend-as: tfjs-backend-wasm has no '${kernelName}' kernel to build on`);
  const kernelFunc = (args: Args) => (Object.values(args.inputs).some(isComplex) ? complexForm(args) : real(args));
  return {
    kernelName,
    backendName: 'as',
    setupFunc: wasmConfig?.setupFunc,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
