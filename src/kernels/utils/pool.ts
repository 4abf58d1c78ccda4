// The shared body of the pooling kernels on 'as': the window checks of the convolutions
// (utils/conv.ts convInfo, with a [KH, KW, C, C] window), then one AssemblyScript call
// (assembly/pool.ts). NHWC, float32, as tfjs' pooling kernels take. The forward MaxPool and
// AvgPool run here only with a numeric or explicit pad; with 'same' / 'valid' they are
// tfjs-backend-wasm's XNNPACK kernels, which measured faster (assembly/pool.ts).
import * as tf from '@tensorflow/tfjs-core';
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {formatShape} from '../../format_shape.js';
import {kernelsOf} from '../../backend/state.js';
import {offsetOf} from '../../backend/heap.js';
import {convInfo, type WindowAttrs} from './conv.js';

export interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: WindowAttrs['pad'];
  dimRoundingMode?: 'floor' | 'round' | 'ceil' | null;
}

export type PoolKind = 'max' | 'avg';

function poolInfo(op: string, x: TensorInfo, attrs: PoolAttrs, extra = '') {
  if (x.dtype !== 'float32') throw new Error(`${op}: x must be float32; got ${x.dtype} ${formatShape(x.shape)}`);
  if (x.shape.length !== 4) throw new Error(`${op}: x must have rank 4 (NHWC); got ${formatShape(x.shape)}`);
  const [fh, fw] = typeof attrs.filterSize === 'number' ? [attrs.filterSize, attrs.filterSize] : attrs.filterSize;
  if (!(Number.isInteger(fh) && fh > 0 && Number.isInteger(fw) && fw > 0)) {
    throw new Error(
      `${op}: filterSize must be positive integers; got ${JSON.stringify(attrs.filterSize)} for x ${formatShape(x.shape)}`,
    );
  }
  const c = x.shape[3];
  return convInfo(
    op,
    x.shape,
    [fh, fw, c, c],
    {strides: attrs.strides, pad: attrs.pad, dimRoundingMode: attrs.dimRoundingMode},
    false,
    `x ${formatShape(x.shape)} and filterSize [${fh},${fw}]${extra}`,
  );
}

function setGeometry(backend: BackendWasm, info: ReturnType<typeof poolInfo>) {
  kernelsOf(backend).convGeometry(
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    1,
    1,
    info.padInfo.top,
    info.padInfo.left,
  );
}

/** MaxPool / AvgPool in AssemblyScript. */
export function pool(backend: BackendWasm, op: string, kind: PoolKind, x: TensorInfo, attrs: PoolAttrs): TensorInfo {
  const info = poolInfo(op, x, attrs);
  const out = backend.makeOutput(info.outShape, 'float32');
  if (util.sizeFromShape(info.outShape) === 0) return out;
  // tfjs-backend-cpu's rule (a tfjs-core spec relies on it): a 1x1 window whose output has the
  // input's shape is the identity, whatever the padding and stride say.
  const identity = info.filterHeight === 1 && info.filterWidth === 1 && info.outShape.every((d, i) => d === x.shape[i]);
  setGeometry(
    backend,
    identity ? {...info, strideHeight: 1, strideWidth: 1, padInfo: {...info.padInfo, top: 0, left: 0}} : info,
  );
  const kernels = kernelsOf(backend);
  if (kind === 'max') kernels.maxPoolF32(offsetOf(backend, x), offsetOf(backend, out));
  else kernels.avgPoolF32(offsetOf(backend, x), offsetOf(backend, out));
  return out;
}

/** MaxPoolGrad (x = the forward input) and AvgPoolGrad: dx of x's shape. */
export function poolGrad(
  backend: BackendWasm,
  op: string,
  kind: PoolKind,
  dy: TensorInfo,
  x: TensorInfo,
  attrs: PoolAttrs,
): TensorInfo {
  const info = poolInfo(op, x, attrs, ` (dy ${formatShape(dy.shape)})`);
  if (dy.dtype !== 'float32') throw new Error(`${op}: dy must be float32; got ${dy.dtype} ${formatShape(dy.shape)}`);
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== info.outShape[i])) {
    throw new Error(
      `${op}: dy has shape ${formatShape(dy.shape)} but x ${formatShape(x.shape)} pooled gives ${formatShape(info.outShape)}`,
    );
  }
  const out = backend.makeOutput([...x.shape], 'float32');
  if (util.sizeFromShape(x.shape) === 0) return out;
  setGeometry(backend, info);
  const kernels = kernelsOf(backend);
  if (kind === 'max') kernels.maxPoolGradF32(offsetOf(backend, dy), offsetOf(backend, x), offsetOf(backend, out));
  else kernels.avgPoolGradF32(offsetOf(backend, dy), offsetOf(backend, out));
  return out;
}

/**
 * The forward MaxPool / AvgPool of 'as': tfjs-backend-wasm's XNNPACK kernel for 'same' and
 * 'valid' padding (it measured 1-2x faster than ours there), assembly/pool.ts for a numeric or
 * explicit pad, where XNNPACK's output is wrong (garbage values, or writes past the output when
 * the window is not square: tfjs sizes that output from the filter height alone) and tfjs-core's
 * own pool specs fail. Call it when the kernel's module loads: tfjs-backend-wasm has registered
 * its kernels by then, and its setupFunc binds the kernel to whichever instance is set up, the
 * 'as' one included.
 */
export function forwardPoolConfig(kernelName: 'MaxPool' | 'AvgPool', kind: PoolKind): KernelConfig {
  const wasmKernel = tf.getKernel(kernelName, 'wasm');
  const kernel = (args: {inputs: {x?: TensorInfo}; backend: BackendWasm; attrs: PoolAttrs}) => {
    if (typeof args.attrs.pad === 'string' && wasmKernel) {
      return wasmKernel.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    return pool(args.backend, kernelName, kind, args.inputs.x!, args.attrs);
  };
  return {kernelName, backendName: 'as', kernelFunc: kernel as unknown as KernelFunc, setupFunc: wasmKernel?.setupFunc};
}
