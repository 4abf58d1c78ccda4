// Embedding: integer indices to rows of an [inputDim, outputDim] table ('embeddings', Keras'
// uniform(-0.05, 0.05) initializer). With maskZero, index 0 is padding: the layer's output mask
// is `indices != 0`, and the RNN, pooling, merge and attention layers after it honour it.
import * as tf from '@tensorflow/tfjs-core';
import type {Shape, Kwargs} from '../common.js';
import {Layer, type LayerConfig, type Mask} from '../layer.js';
import {serializeInitializer, type InitializerIdentifier} from '../initializers.js';
import {serialize as serializeRegularizer, type RegularizerIdentifier} from '../regularizers.js';
import {single, one, addActivityLoss, rejectUnsupported} from './util.js';

export interface EmbeddingConfig extends LayerConfig {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  activityRegularizer?: RegularizerIdentifier | null;
  maskZero?: boolean;
  /** Keras 2's input_length: only checked against the input. */
  inputLength?: number;
}

export class Embedding extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  embeddings: tf.Variable | null = null;
  private readonly config: EmbeddingConfig;

  constructor(config: EmbeddingConfig) {
    super(config);
    for (const key of ['inputDim', 'outputDim'] as const) {
      if (!Number.isInteger(config[key]) || config[key] < 1)
        throw new Error(`${this.describe()}: ${key} must be a positive integer, got ${config[key]}`);
    }
    this.config = config;
    this.inputDim = config.inputDim;
    this.outputDim = config.outputDim;
    this.maskZero = config.maskZero ?? false;
    if (config.inputLength != null) this.inputSpec = {axes: {1: config.inputLength}};
    rejectUnsupported(this, config, {
      embeddingsConstraint: null,
      quantizationConfig: null,
      loraRank: null,
      sparse: false,
    });
  }

  override build(inputShape: Shape | Shape[]): void {
    single(inputShape, this);
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], {
      initializer: this.config.embeddingsInitializer ?? 'randomUniform',
      regularizer: this.config.embeddingsRegularizer,
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...single(inputShape, this), this.outputDim];
  }

  /** Indices in, rows of the float table out. */
  protected override outputDtype(): tf.DataType {
    return this.dtype;
  }

  override computeMask(inputs: tf.Tensor, _mask: Mask | undefined): Mask {
    return this.maskZero ? tf.notEqual(one(inputs), 0) : null;
  }

  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    const indices = x.dtype === 'int32' ? x : tf.cast(x, 'int32');
    // tfjs-backend-cpu's gather and ours on 'as' throw on an index outside [0, inputDim); say which layer.
    let y: tf.Tensor;
    try {
      y = tf.gather(this.embeddings!, tf.reshape(indices, [-1]));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(
        `expected indices in [0, ${this.inputDim}) (inputDim ${this.inputDim}), got an index outside it: ${message}`,
        {cause: e},
      );
    }
    y = tf.reshape(y, [...x.shape, this.outputDim]);
    addActivityLoss(this, this.config.activityRegularizer, y);
    return y;
  }

  override getConfig(): Record<string, unknown> {
    const c = this.config;
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(c.embeddingsInitializer ?? 'randomUniform'),
      embeddingsRegularizer: serializeRegularizer(c.embeddingsRegularizer),
      activityRegularizer: serializeRegularizer(c.activityRegularizer),
      embeddingsConstraint: null,
      maskZero: this.maskZero,
      quantizationConfig: null,
      // Keras 2's input_length: kept when given (Keras 3 dropped it).
      ...(c.inputLength == null ? {} : {inputLength: c.inputLength}),
    };
  }
}
