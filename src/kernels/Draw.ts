// 'Draw' on 'as' (tf.browser.draw; tfjs-backend-wasm has none): tfjs-backend-cpu's kernel, on
// values read out of the heap: an image of [height, width] or [height, width, 1|3|4] values
// (float32 in [0, 1] or int32 in [0, 255]) put on a 2d canvas. Browser only (it needs a canvas):
// test/browser covers it.
import * as tf from '@tensorflow/tfjs-core';
import type {DrawAttrs, KernelConfig, KernelFunc, TensorInfo, TypedArray} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {valuesOf} from './utils/js_values.js';

function draw(args: {inputs: {image: TensorInfo}; backend: BackendWasm; attrs: DrawAttrs}): TensorInfo {
  const {
    inputs: {image},
    backend,
    attrs: {canvas, options},
  } = args;
  const {contextOptions, imageOptions} = options ?? {};
  const alpha = imageOptions?.alpha || 1;
  const contextType = contextOptions?.contextType || '2d';
  if (contextType !== '2d')
    throw new Error(`Draw: context type ${contextType} is not supported by backend 'as' (only '2d')`);
  const ctx = canvas.getContext(
    contextType,
    contextOptions?.contextAttributes || {},
  ) as CanvasRenderingContext2D | null;
  if (ctx == null) throw new Error(`Draw: could not get the context with ${contextType} type`);
  const [height, width] = image.shape as [number, number];
  const depth = image.shape.length === 2 ? 1 : image.shape[2]!;
  const data = valuesOf(backend, image) as TypedArray;
  const multiplier = image.dtype === 'float32' ? 255 : 1;
  const bytes = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < height * width; ++i) {
    const rgba = [0, 0, 0, 255 * alpha];
    for (let d = 0; d < depth; d++) {
      const value = data[i * depth + d]!;
      if (image.dtype === 'float32' && (value < 0 || value > 1)) {
        throw new Error(`Tensor values for a float32 Tensor must be in the range [0 - 1] but encountered ${value}.`);
      }
      if (image.dtype === 'int32' && (value < 0 || value > 255)) {
        throw new Error(`Tensor values for a int32 Tensor must be in the range [0 - 255] but encountered ${value}.`);
      }
      if (depth === 1) rgba[0] = rgba[1] = rgba[2] = value * multiplier;
      else rgba[d] = value * multiplier;
    }
    for (let c = 0; c < 4; c++) bytes[i * 4 + c] = Math.round(rgba[c]!);
  }
  canvas.width = width;
  canvas.height = height;
  ctx.putImageData(new ImageData(bytes, width, height), 0, 0);
  return image;
}

export const drawConfig: KernelConfig = {
  kernelName: tf.Draw,
  backendName: 'as',
  kernelFunc: draw as unknown as KernelFunc,
};
