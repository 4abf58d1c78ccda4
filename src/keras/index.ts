// tfjs-backend-as/keras: a Keras-style layer API on tfjs-core. Custom layers (Layer with
// build/call), Lambda, backend functions K on tensors and symbolic tensors, functional Model,
// summary() and plotModel(). Importing it registers backend 'as' (through backend_ops.ts).
export * as K from './backend.js';
export * as layers from './layers/index.js';
export {Layer, getMask, setMask} from './layer.js';
export type {
  LayerConfig,
  AddWeightOptions,
  InputSpec,
  LossInput,
  LayerInput,
  AnyTensor,
  LayerIO,
  SymbolicOf,
  ApplyOutput,
  Mask,
} from './layer.js';
export type {Shape, Kwargs} from './common.js';
export {SymbolicTensor} from './symbolic.js';
export {input, InputLayer} from './input_layer.js';
export type {InputConfig} from './input_layer.js';
export {Model, model} from './model.js';
export type {ModelArgs, PredictOptions, GraphRun, ModelInput, ModelOutputs, ConcreteOf} from './model.js';
// The names compile() and the layers accept, as string-literal unions (a typo fails to compile).
export type {LossName, LossIdentifier} from './losses.js';
export type {MetricName, MetricIdentifier} from './metrics.js';
export type {OptimizerName, OptimizerClassName, OptimizerIdentifier} from './optimizers.js';
export type {ActivationName, ActivationIdentifier} from './activations.js';
export type {InitializerName, InitializerIdentifier} from './initializers.js';
export * as initializers from './initializers.js';
export * as activations from './activations.js';
export * as losses from './losses.js';
export * as regularizers from './regularizers.js';
export * as metrics from './metrics.js';
export * as optimizers from './optimizers.js';
export * as callbacks from './callbacks.js';
export {Callback, History, EarlyStopping, earlyStopping, TerminateOnNaN, terminateOnNaN} from './callbacks.js';
export type {Logs, CallbackHooks} from './callbacks.js';
export type {CompileConfig, FitConfig, EvaluateConfig} from './training/index.js';
export * as utils from './utils.js';
// Whole-model saving: model.save(urlOrHandler, {includeOptimizer?, format?}) and loadModel.
export {loadModel, FORMAT_VERSION} from './saving/io.js';
export type {SaveOptions, LoadOptions, ModelSource} from './saving/io.js';
// Saving: models and layers to and from Keras 3's JSON, and the registry of custom classes and functions.
export {
  serializeModel,
  deserializeModel,
  serializeLayer,
  deserializeLayer,
  knownLayerNames,
} from './saving/serialize.js';
export type {
  KerasModelJSON,
  KerasLayerJSON,
  KerasNodeJSON,
  KerasObjectJSON,
  KerasTensorJSON,
  KerasHistory,
  SerializeOptions,
  DeserializeOptions,
} from './saving/serialize.js';
// Keras 3 .keras archives (loadModel reads them too): read, load onto a model, and write.
export {readKerasArchive, loadKerasArchive, writeKerasArchive} from './saving/keras_archive.js';
export type {
  KerasArchive,
  KerasArchiveMetadata,
  KerasVariable,
  KerasVarsGroup,
  LoadKerasArchiveOptions,
  WriteKerasArchiveOptions,
} from './saving/keras_archive.js';
export {registerLayer, registerFunction} from './saving/registry.js';
export type {LayerClass, CustomObjects, RegisteredFunction} from './saving/registry.js';
