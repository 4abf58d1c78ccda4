// The graph: a SymbolicTensor is a placeholder with a shape (null for the batch dimension) made
// by a layer's Node; a Node records one application of a layer to symbolic inputs. Models run
// the nodes in order on concrete tensors.
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type Kwargs, type DataType, fmtShape} from './common.js';
import type {Layer} from './layer.js';

/** Batch sizes the engine traces `call` with to tell batch-dependent dimensions apart. */
export const TRACE_BATCH_SIZES = [2, 3] as const;

/**
 * What a symbolic tensor was in one trace: its concrete shape and, for small tensors (such as
 * the value of `K.shape(x)`), its values, so that ops whose output *shape* depends on an input's
 * *values* (`K.randomBinomial(K.shape(x), p)`) are traced right. Larger tensors trace as zeros.
 * Values are plain typed arrays, not tensors: a graph holds no tfjs memory.
 */
export interface TraceValue {
  shape: number[];
  dtype: DataType;
  values?: number[];
}

/** Tensors up to this many elements keep their traced values. */
export const TRACE_VALUE_LIMIT = 64;

let nextTensorId = 0;

export class SymbolicTensor {
  readonly id = nextTensorId++;
  /** Set for SymbolicTensors so code can tell them from tf.Tensor without instanceof. */
  readonly isSymbolic = true as const;
  constructor(
    readonly shape: Shape,
    readonly dtype: DataType,
    readonly node: Node,
    readonly tensorIndex: number,
    readonly name: string,
    readonly trace: readonly TraceValue[],
  ) {}

  get rank(): number {
    return this.shape.length;
  }
  /** The layer that made this tensor. */
  get sourceLayer(): Layer {
    return this.node.layer;
  }
  /** Keras' `layer_name[node_index][tensor_index]`, as in summary()'s "Connected to". */
  get kerasHistory(): string {
    return `${this.node.layer.name}[${this.node.index}][${this.tensorIndex}]`;
  }

  /** A concrete stand-in for trace `i` (batch size TRACE_BATCH_SIZES[i]). */
  traceTensor(i: number): tf.Tensor {
    const t = this.trace[i];
    return t.values ? tf.tensor(t.values, t.shape, t.dtype) : tf.zeros(t.shape, t.dtype);
  }

  toString(): string {
    return `SymbolicTensor '${this.name}' shape=${fmtShape(this.shape)} dtype=${this.dtype}`;
  }
}

export function isSymbolic(x: unknown): x is SymbolicTensor {
  return x instanceof SymbolicTensor;
}

/** One application of a layer to symbolic inputs. */
export class Node {
  outputs: SymbolicTensor[] = [];
  outputIsList = false;
  /** How many of `inputs` are the layer's call inputs; the rest are keyword-argument tensors. */
  callInputCount: number;
  /** Keyword argument -> index (or indices) into `inputs` of the tensors given for it. */
  kwargSlots: Record<string, number | number[]> = {};
  constructor(
    readonly layer: Layer,
    readonly inputs: SymbolicTensor[],
    readonly inputIsList: boolean,
    readonly kwargs: Kwargs,
    readonly index: number,
  ) {
    this.callInputCount = inputs.length;
  }
}

/** The trace shapes of an input shape: each null dimension replaced by the trace batch size. */
export function traceShapes(shape: Shape): number[][] {
  return TRACE_BATCH_SIZES.map(b => shape.map(d => (d == null ? b : d)));
}
