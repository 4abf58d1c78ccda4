// model.summary(): Keras 2's table for functional models (print_layer_summary_with_connections):
// Layer (type) | Output Shape | Param # | Connected to, one row per layer, then the totals.
import type * as tf from '@tensorflow/tfjs-core';
import {type Shape, kerasShape} from './common.js';
import type {Layer} from './layer.js';
import type {Model} from './model.js';
import type {Node} from './symbolic.js';
import {InputLayer} from './input_layer.js';

/** The nodes of `layer` that belong to `model`'s drawn graph (outputs and symbolic losses). */
export function nodesIn(model: Model, layer: Layer): Node[] {
  const mine = new Set(model.drawnGraph().nodes);
  return layer.inboundNodes.filter(n => mine.has(n));
}

function formatShapes(shapes: Shape[], list: boolean): string {
  return list ? `[${shapes.map(kerasShape).join(', ')}]` : kerasShape(shapes[0]);
}

/** Keras' `layer.output_shape` as a string: `(None, 500)`, `[(None, 784)]` for inputs, or 'multiple'. */
export function outputShapeText(model: Model, layer: Layer): string {
  const nodes = nodesIn(model, layer);
  if (nodes.length === 0) return 'multiple';
  const texts = nodes.map(n =>
    formatShapes(
      n.outputs.map(t => t.shape),
      n.outputIsList || layer instanceof InputLayer,
    ),
  );
  return texts.every(t => t === texts[0]) ? texts[0] : 'multiple';
}

/** Keras' `layer.input_shape` as a string, '?' for input layers' own (they have none). */
export function inputShapeText(model: Model, layer: Layer): string {
  if (layer instanceof InputLayer) return outputShapeText(model, layer);
  const nodes = nodesIn(model, layer);
  if (nodes.length === 0) return '?';
  const texts = nodes.map(n =>
    formatShapes(
      n.inputs.map(t => t.shape),
      n.inputIsList,
    ),
  );
  return texts.every(t => t === texts[0]) ? texts[0] : 'multiple';
}

function countParams(weights: tf.Variable[]): number {
  return weights.reduce((n, w) => n + w.size, 0);
}

export function printSummary(
  model: Model,
  lineLength = 98,
  positions = [0.33, 0.55, 0.67, 1],
  printFn: (line: string) => void = line => console.log(line),
): void {
  const stops = positions[positions.length - 1] <= 1 ? positions.map(p => Math.floor(lineLength * p)) : positions;
  const printRow = (fields: string[]) => {
    let line = '';
    fields.forEach((field, i) => {
      if (i > 0) line = `${line.slice(0, -1)} `;
      line = (line + field).slice(0, stops[i]);
      line += ' '.repeat(Math.max(0, stops[i] - line.length));
    });
    printFn(line);
  };
  printFn(`Model: "${model.name}"`);
  printFn('_'.repeat(lineLength));
  printRow(['Layer (type)', 'Output Shape', 'Param #', 'Connected to']);
  printFn('='.repeat(lineLength));
  const {layers} = model.drawnGraph();
  layers.forEach((layer, i) => {
    const connections = nodesIn(model, layer).flatMap(n => n.inputs.map(t => t.kerasHistory));
    printRow([
      `${layer.name} (${layer.getClassName()})`,
      outputShapeText(model, layer),
      String(layer.countParams()),
      connections[0] ?? '',
    ]);
    for (const c of connections.slice(1)) printRow(['', '', '', c]);
    printFn((i === layers.length - 1 ? '=' : '_').repeat(lineLength));
  });
  const trainable = countParams(model.trainableWeights);
  const nonTrainable = countParams(model.nonTrainableWeights);
  const fmt = (n: number) => n.toLocaleString('en-US');
  printFn(`Total params: ${fmt(trainable + nonTrainable)}`);
  printFn(`Trainable params: ${fmt(trainable)}`);
  printFn(`Non-trainable params: ${fmt(nonTrainable)}`);
  printFn('_'.repeat(lineLength));
}
