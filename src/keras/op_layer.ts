// A K function applied to SymbolicTensors becomes a node of this layer (Keras' TFOpLambda): the
// op with its non-symbolic arguments captured, re-run on concrete tensors by the model.
import * as tf from '@tensorflow/tfjs-core';
import {toSnakeCase, uniqueName, rethrowWith, type Kwargs} from './common.js';
import {Layer} from './layer.js';
import {type SymbolicTensor, isSymbolic} from './symbolic.js';

/** Stands for the i-th symbolic argument inside a captured argument list. */
class Slot {
  constructor(readonly index: number) {}
}

/** True when a SymbolicTensor is among `args`, directly or inside arrays. */
export function hasSymbolic(args: readonly unknown[]): boolean {
  return args.some(a => isSymbolic(a) || (Array.isArray(a) && hasSymbolic(a)));
}

// biome-ignore lint/suspicious/noExplicitAny: every tf.* op, whatever its parameter types, is an OpFn
export type OpFn = (...args: any[]) => tf.Tensor | tf.Tensor[];

export class TFOpLambda extends Layer {
  static override className = 'TFOpLambda';
  private readonly template: unknown[];
  readonly symbolicArgs: SymbolicTensor[] = [];

  constructor(
    readonly opName: string,
    private readonly fn: OpFn,
    args: readonly unknown[],
  ) {
    super({name: uniqueName(`k.${toSnakeCase(opName)}`)});
    const capture = (a: unknown): unknown => {
      if (isSymbolic(a)) return new Slot(this.symbolicArgs.push(a) - 1);
      // A constant tensor made inside a tidy must live as long as the graph.
      if (a instanceof tf.Tensor) return tf.keep(a);
      return Array.isArray(a) ? a.map(capture) : a;
    };
    this.template = args.map(capture);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const fill = (a: unknown): unknown => (a instanceof Slot ? list[a.index] : Array.isArray(a) ? a.map(fill) : a);
    try {
      return this.fn(...this.template.map(fill));
    } catch (e) {
      rethrowWith(`K.${this.opName}: `, e);
    }
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), function: this.opName};
  }
}

/** Runs `fn` on `args`, eagerly, or as a new graph node when some argument is symbolic. */
// biome-ignore lint/suspicious/noExplicitAny: K.* declares each op's own result type; runOp serves them all
export function runOp(opName: string, args: readonly unknown[], fn: OpFn): any {
  if (hasSymbolic(args)) {
    const layer = new TFOpLambda(opName, fn, args);
    const inputs = layer.symbolicArgs;
    return layer.apply(inputs.length === 1 ? inputs[0] : inputs);
  }
  try {
    return fn(...args);
  } catch (e) {
    rethrowWith(`K.${opName}: `, e);
  }
}
