// input(): the entry points of a functional graph. An InputLayer has one Node with no inputs.
import {type Shape, type DataType, uniqueName, fmtShape} from './common.js';
import {Layer} from './layer.js';
import {SymbolicTensor, Node, traceShapes} from './symbolic.js';

export interface InputConfig {
  /** Shape without the batch dimension, e.g. [784]. */
  shape?: Shape;
  /** Full shape including the batch dimension (instead of shape + batchSize). */
  batchShape?: Shape;
  batchSize?: number;
  name?: string;
  dtype?: DataType;
  /** Keras' options for sparse, ragged and optional inputs: only false is supported. */
  sparse?: boolean;
  ragged?: boolean;
  optional?: boolean;
}

export class InputLayer extends Layer {
  static override className = 'InputLayer';
  readonly batchShape: Shape;

  constructor(config: InputConfig) {
    const batchShape = config.batchShape ?? (config.shape ? [config.batchSize ?? null, ...config.shape] : null);
    if (!batchShape) throw new Error('input(): give shape (without the batch dimension) or batchShape');
    if (batchShape.some(d => d != null && (!Number.isInteger(d) || d < 0))) {
      throw new Error(`input(): dimensions must be non-negative integers or null, got ${fmtShape(batchShape)}`);
    }
    // Keras numbers inputs from 1: input_1, input_2, ...
    super({name: config.name ?? uniqueName('input', false), dtype: config.dtype, trainable: false});
    for (const key of ['sparse', 'ragged', 'optional'] as const)
      if (config[key]) throw new Error(`input(): ${key} inputs are not supported (input '${this.name}')`);
    this.batchShape = batchShape;
    this.built = true;
    const node = new Node(this, [], false, {}, 0);
    const dtype = this.dtype;
    node.outputs = [
      new SymbolicTensor(
        batchShape,
        dtype,
        node,
        0,
        this.name,
        traceShapes(batchShape).map(shape => ({shape, dtype})),
      ),
    ];
    this.inboundNodes.push(node);
  }

  override call(): never {
    throw new Error(`${this.describe()} is a graph input; feed it a tensor through the model instead`);
  }

  /** Keras 3's InputLayer keys (no `trainable`; dtype a plain string). */
  override getConfig(): Record<string, unknown> {
    return {
      batchShape: [...this.batchShape],
      dtype: this.dtype,
      sparse: false,
      ragged: false,
      name: this.name,
      optional: false,
    };
  }
}

/** Keras' `Input(shape=...)`: a symbolic tensor of shape [batchSize ?? null, ...shape]. */
export function input(config: InputConfig): SymbolicTensor {
  return new InputLayer(config).inboundNodes[0].outputs[0];
}
