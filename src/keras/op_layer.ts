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
  /** The arguments of the K call as the user wrote it, symbolic ones as slots: what a save writes. */
  private readonly callTemplate: unknown[];
  readonly symbolicArgs: SymbolicTensor[] = [];

  /**
   * `args` are what `fn` takes; `callArgs` the arguments of the K function the user called
   * (`K.transpose(x, perm)`: fn takes [x] and closes over perm), so that a saved model can call
   * `K[opName](...callArgs)` again on load.
   */
  constructor(
    readonly opName: string,
    private readonly fn: OpFn,
    args: readonly unknown[],
    callArgs: readonly unknown[] = args,
  ) {
    super({name: uniqueName(`k.${toSnakeCase(opName)}`)});
    const capture = (a: unknown): unknown => {
      if (isSymbolic(a)) return new Slot(this.symbolicArgs.push(a) - 1);
      // A constant tensor made inside a tidy must live as long as the graph.
      if (a instanceof tf.Tensor) return tf.keep(a);
      return Array.isArray(a) ? a.map(capture) : a;
    };
    this.template = args.map(capture);
    const slotOf = (a: unknown): unknown => {
      if (isSymbolic(a)) {
        const i = this.symbolicArgs.indexOf(a);
        return i >= 0 ? new Slot(i) : new Slot(this.symbolicArgs.push(a) - 1);
      }
      if (a instanceof tf.Tensor) return tf.keep(a);
      return Array.isArray(a) ? a.map(slotOf) : a;
    };
    const call = callArgs.map(slotOf);
    // Trailing arguments left out keep their defaults when the call is made again.
    while (call.length > 0 && call[call.length - 1] === undefined) call.pop();
    this.callTemplate = call;
  }

  /** The K call's arguments with each symbolic one replaced by `ref(its input index)`. */
  callArguments(ref: (inputIndex: number) => unknown): unknown[] {
    const fill = (a: unknown): unknown =>
      a instanceof Slot ? ref(a.index) : Array.isArray(a) ? a.map(fill) : a === undefined ? null : a;
    return this.callTemplate.map(fill);
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

  /** Constant tensors this node owns (a loaded model's, made from the file): disposed with it. */
  private owned: tf.Tensor[] = [];

  /** Makes this node the owner of `tensors` (constants among its arguments), freed by dispose(). */
  adoptConstants(tensors: tf.Tensor[]): void {
    this.owned.push(...tensors);
  }

  override dispose(): void {
    super.dispose();
    tf.dispose(this.owned);
    this.owned = [];
  }
}

/**
 * Runs `fn` on `args`, eagerly, or as a new graph node when some argument is symbolic. `op` is
 * the K function's name, or [name, the arguments it was called with] when `fn` closes over some
 * of them (they are what a saved model records, to call `K[name]` again on load).
 */
// biome-ignore lint/suspicious/noExplicitAny: K.* declares each op's own result type; runOp serves them all
export function runOp(op: string | [string, readonly unknown[]], args: readonly unknown[], fn: OpFn): any {
  const [opName, callArgs] = typeof op === 'string' ? [op, args] : op;
  if (hasSymbolic(args)) {
    const layer = new TFOpLambda(opName, fn, args, callArgs);
    const inputs = layer.symbolicArgs;
    return layer.apply(inputs.length === 1 ? inputs[0] : inputs);
  }
  try {
    return fn(...args);
  } catch (e) {
    rethrowWith(`K.${opName}: `, e);
  }
}
