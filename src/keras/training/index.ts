// Training for the functional Model: Model.compile/fit/evaluate and the weights methods delegate
// here (src/keras/model.ts), so the engine and the training loop stay separate files.
export {compileModel, compiledState, releaseCompiled, outputNames, NO_LOSS_ERROR} from './compile.js';
export type {CompileConfig, CompiledState, CompiledOutput, LossIdentifier, MetricIdentifier} from './compile.js';
export {fitModel, evaluateModel} from './fit.js';
export type {FitConfig, EvaluateConfig} from './fit.js';
export type {Data, DataValue} from './data.js';
export {saveWeights, loadWeights} from './weights_io.js';
export type {WeightsOwner} from './weights_io.js';
export {ProgressBar} from './progress.js';
export type {ProgressOutput} from './progress.js';

import type * as tf from '@tensorflow/tfjs-core';
import type {Model} from '../model.js';
import {
  layerWeightNames,
  loadWeights as loadOwnerWeights,
  saveWeights as saveOwnerWeights,
  type WeightsOwner,
} from './weights_io.js';

/** A model as weights I/O sees it: its weights under Keras-style layer/field names. */
function owner(model: Model): WeightsOwner {
  return {
    name: model.name,
    weights: model.weights,
    weightNames: () => layerWeightNames(model.weights, model.layers),
    setWeights: values => model.setWeights(values),
  };
}

/** model.saveWeights(pathOrHandler). */
export function saveModelWeights(model: Model, target: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
  return saveOwnerWeights(owner(model), target);
}

/** model.loadWeights(pathOrHandler). */
export function loadModelWeights(model: Model, source: string | tf.io.IOHandler): Promise<void> {
  return loadOwnerWeights(owner(model), source);
}
