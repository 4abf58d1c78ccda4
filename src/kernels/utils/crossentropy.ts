// Shared by the categorical-crossentropy kernels (CategoricalCrossentropy.ts and its gradient):
// the checks and the [rows, classes] view of their inputs.
import {type TensorInfo, util} from '@tensorflow/tfjs-core';
import {formatShape} from '../../format_shape.js';

const describe = (t: TensorInfo | undefined) => (t == null ? 'none' : `${t.dtype} ${formatShape(t.shape)}`);

/** Checks target and output (float32, one shape, rank >= 1) and epsilon; returns [rows, classes]. */
export function crossentropyRows(
  op: string,
  target: TensorInfo | undefined,
  output: TensorInfo | undefined,
  epsilon: number,
): [number, number] {
  if (output == null || output.dtype !== 'float32' || output.shape.length < 1) {
    throw new Error(`${op}: output must be a float32 tensor of rank >= 1 (the classes last), got ${describe(output)}`);
  }
  if (target == null || target.dtype !== 'float32' || !util.arraysEqual(target.shape, output.shape)) {
    throw new Error(
      `${op}: target must be a float32 tensor of output's shape ${formatShape(output.shape)}, got ${describe(target)}`,
    );
  }
  // tfjs' clipByValue turns lo == hi into a fill: the kernels clip, so they need lo < hi.
  if (!(epsilon >= 0 && epsilon < 0.5)) throw new Error(`${op}: epsilon must be in [0, 0.5), got ${epsilon}`);
  const classes = output.shape[output.shape.length - 1]!;
  return [util.sizeFromShape(output.shape.slice(0, -1)), classes];
}
