// Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum (elementwise over a list of
// inputs, broadcasting as Keras does) and Dot (products along axes, optionally of L2-normalized
// inputs: cosine similarity). Their output mask is the AND of the inputs' masks.
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type Kwargs, fmtShape} from '../common.js';
import {Layer, type LayerConfig, type Mask} from '../layer.js';
import * as K from '../backend.js';
import {several, andMasks} from './util.js';

/** Elementwise merges: shapes must agree where both are known (or broadcast from 1). */
abstract class Merge extends Layer<tf.Tensor[], tf.Tensor> {
  protected minInputs = 2;
  protected maxInputs = Infinity;

  constructor(config: LayerConfig = {}) {
    super(config);
    this.supportsMasking = true;
  }

  protected abstract merge(xs: tf.Tensor[]): tf.Tensor;

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = several(inputShape, this, this.minInputs);
    if (shapes.length > this.maxInputs)
      throw new Error(
        `${this.describe()} takes exactly ${this.maxInputs} inputs, got ${shapes.length} (shapes ${fmtShape(shapes)})`,
      );
    const rank = Math.max(...shapes.map(s => s.length));
    const out: Shape = [];
    for (let i = 0; i < rank; i++) {
      let d: number | null = 1;
      for (const s of shapes) {
        const e = s[i - (rank - s.length)];
        if (e === undefined || e === 1) continue;
        if (e === null) d = d === 1 ? null : d;
        else if (d === 1 || d === null) d = e;
        else if (d !== e)
          throw new Error(
            `${this.describe()}: inputs must have the same shape (or broadcast), got shapes ${fmtShape(shapes)}`,
          );
      }
      out.push(i === 0 && shapes.some(s => s[0] == null) ? null : d);
    }
    return out;
  }

  override computeMask(_inputs: tf.Tensor[], mask: Mask | undefined): Mask {
    if (!Array.isArray(mask)) return mask ?? null;
    return andMasks(mask);
  }

  override call(inputs: tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    this.computeOutputShape(xs.map(t => [...t.shape]));
    return this.merge(xs);
  }
}

export class Add extends Merge {
  static override className = 'Add';
  protected merge(xs: tf.Tensor[]): tf.Tensor {
    return xs.reduce((a, b) => tf.add(a, b));
  }
}

export class Subtract extends Merge {
  static override className = 'Subtract';
  protected override maxInputs = 2;
  protected merge([a, b]: tf.Tensor[]): tf.Tensor {
    return tf.sub(a!, b!);
  }
}

export class Multiply extends Merge {
  static override className = 'Multiply';
  protected merge(xs: tf.Tensor[]): tf.Tensor {
    return xs.reduce((a, b) => tf.mul(a, b));
  }
}

export class Average extends Merge {
  static override className = 'Average';
  protected merge(xs: tf.Tensor[]): tf.Tensor {
    return tf.div(
      xs.reduce((a, b) => tf.add(a, b)),
      xs.length,
    );
  }
}

export class Maximum extends Merge {
  static override className = 'Maximum';
  protected merge(xs: tf.Tensor[]): tf.Tensor {
    return xs.reduce((a, b) => tf.maximum(a, b));
  }
}

export class Minimum extends Merge {
  static override className = 'Minimum';
  protected merge(xs: tf.Tensor[]): tf.Tensor {
    return xs.reduce((a, b) => tf.minimum(a, b));
  }
}

export interface DotConfig extends LayerConfig {
  /** The axis of each input to contract (one number for both); the batch axis 0 is not allowed. */
  axes: number | [number, number];
  /** L2-normalize both inputs along their axes first: the result is the cosine similarity. */
  normalize?: boolean;
}

/** Keras' Dot: per sample, contracts axes[0] of the first input with axes[1] of the second. */
export class Dot extends Layer<tf.Tensor[], tf.Tensor> {
  static override className = 'Dot';
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  constructor(config: DotConfig) {
    super(config);
    this.axes = config.axes;
    this.normalize = config.normalize ?? false;
  }

  private resolve(shapes: Shape[]): [number, number] {
    const [a, b] = shapes as [Shape, Shape];
    const [x, y] = typeof this.axes === 'number' ? [this.axes, this.axes] : this.axes;
    const ax = x < 0 ? a.length + x : x,
      ay = y < 0 ? b.length + y : y;
    if (ax < 1 || ay < 1 || ax >= a.length || ay >= b.length)
      throw new Error(
        `${this.describe()}: axes ${JSON.stringify(this.axes)} are out of range for shapes ${fmtShape(shapes)}`,
      );
    if (a[ax] != null && b[ay] != null && a[ax] !== b[ay])
      throw new Error(
        `${this.describe()}: the contracted axes differ: expected axis ${ay} of the second input to be ${a[ax]}, got shapes ${fmtShape(shapes)}`,
      );
    return [ax, ay];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = several(inputShape, this);
    if (shapes.length !== 2) throw new Error(`${this.describe()} takes exactly 2 inputs, got ${shapes.length}`);
    const [ax, ay] = this.resolve(shapes);
    const [a, b] = shapes as [Shape, Shape];
    const out = [...a.filter((_, i) => i !== ax), ...b.filter((_, i) => i !== ay && i !== 0)];
    return out.length === 1 ? [out[0]!, 1] : out;
  }

  override call(inputs: tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const [a, b] = inputs as [tf.Tensor, tf.Tensor];
    const [ax, ay] = this.resolve([[...a.shape], [...b.shape]]);
    const x = this.normalize ? K.l2Normalize(a, ax) : a;
    const y = this.normalize ? K.l2Normalize(b, ay) : b;
    return K.batchDot(x, y, [ax, ay]);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), axes: this.axes, normalize: this.normalize};
  }
}
