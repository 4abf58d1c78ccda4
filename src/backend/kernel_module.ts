// The typed face of the AssemblyScript kernels module (assembly/index.ts). Pointers are byte
// offsets into tfjs-backend-wasm's heap; `bool` parameters are passed as 0/1.
import {kernelModule, KernelVariant} from './variants.js';

export interface KernelExports {
  gemmScratchBytes(m: number, n: number, k: number): number;
  gemmF32(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number, ldc: number,
    bias: number, biasRowStride: number, biasColStride: number,
    activation: number, alpha: number, prelu: number, preluRowStride: number, preluColStride: number,
    scratch: number): void;
  gemmI32(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number): void;
}

export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

export async function instantiateKernels(variant: KernelVariant, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(await kernelModule(variant, isSharedMemory(memory)), {env: {memory}});
  return instance.exports as unknown as KernelExports;
}
