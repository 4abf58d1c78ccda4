// Model.predict's cached execution plans. Predicting one example is a few small kernels (the
// seed's MLP: three matrix-vector products, ~40 µs of arithmetic); walking the graph through
// Layer.apply, checking every weight by walking every layer's fields, and formatting shapes
// cost more than that on every call. A plan, made once per model and input signature (shapes,
// dtypes, the training flag), holds what does not change between calls:
//   - the nodes to run, in order, with their inputs and outputs as slots of one array (no Map);
//   - whether every layer can be run by `call` alone (Layer.callPlanned): built, making no mask
//     of its own (the default computeMask), not a nested model, no mask or symbolic keyword
//     argument given at graph build. Otherwise the plan runs each node through apply, as the
//     uncached path does;
// A plan is made only after the uncached path has run once on that signature (so every layer is
// built and every input spec was checked on these shapes), and is used only when no input
// carries a mask. It holds no tensor: weights are read when a layer runs, so setWeights, assign
// and training change nothing in it. The graph (Model.nodes) is fixed when a Model is made; a
// plan is dropped when the nodes it was made from are not the model's any more.
//
// The weight check (Model.assertUsable) walks every layer's fields; predict runs it again only
// when some tf.Variable was disposed since its last pass (a counter bumped by the engine's
// disposeVariable), or when the model was disposed.
import * as tf from '@tensorflow/tfjs-core';
import type {DataType, Kwargs} from './common.js';
import {fillKwargs, getMask, Layer} from './layer.js';
import {InputLayer} from './input_layer.js';
import type {KernelTrace} from './kernel_trace.js';
import type {Node, SymbolicTensor} from './symbolic.js';

// ---------------------------------------------------------------- disposals of variables

const DISPOSALS = Symbol.for('tfjs-backend-as.keras.variableDisposals');
type CountingEngine = ReturnType<typeof tf.engine> & {[DISPOSALS]?: {count: number}};

/**
 * How many tf.Variables have been disposed in this process (tf.dispose, variable.dispose(),
 * tf.disposeVariables() all end in the engine's disposeVariable). Shared by every copy of this
 * module (the ESM and CommonJS builds) through the engine itself.
 */
function disposalCounter(): {count: number} {
  const engine = tf.engine() as CountingEngine;
  let counter = engine[DISPOSALS];
  if (!counter) {
    const c = {count: 0};
    counter = c;
    const original = engine.disposeVariable;
    engine.disposeVariable = function (this: typeof engine, v: tf.Variable) {
      c.count++;
      return original.call(this, v);
    };
    engine[DISPOSALS] = c;
  }
  return counter;
}
const disposals = disposalCounter();

/** The current count of variable disposals: a weight check made at this count holds until it changes. */
export const variableDisposals = (): number => disposals.count;

// ---------------------------------------------------------------- plans

interface Step {
  node: Node;
  layer: Layer;
  /** Slots of the node's inputs (call inputs, then keyword-argument tensors). */
  inputs: number[];
  outputs: number[];
  /** Run with Layer.callPlanned (else with apply, as the uncached path does). */
  lean: boolean;
  /** The keyword arguments when the node has no tensor ones (fixed), else null. */
  kwargs: Kwargs | null;
}

export interface PredictPlan {
  key: string;
  /** Model.nodes the plan was made from, and their count then. */
  nodes: readonly Node[];
  nodeCount: number;
  inputSlots: number[];
  inputDtypes: DataType[];
  outputSlots: number[];
  slotCount: number;
  steps: Step[];
  training: boolean;
  /**
   * The plan's kernel trace (kernel_trace.ts): undefined until the plan's first run traces it,
   * null when that run was not replayable (the plan then always runs its steps).
   */
  trace?: KernelTrace | null;
}

/** The cache key: each input's shape and dtype, and the training flag. */
export function signature(inputs: readonly tf.Tensor[], training: boolean): string {
  let key = training ? 't' : 'f';
  for (const t of inputs) key += `|${t.dtype}:${t.shape.join(',')}`;
  return key;
}

/** Whether `layer` may run through callPlanned: see the top of this file. */
function canRunLean(node: Node, isModel: (l: Layer) => boolean): boolean {
  const layer = node.layer;
  return (
    layer.built &&
    !isModel(layer) &&
    layer.computeMask === Layer.prototype.computeMask &&
    Object.keys(node.kwargSlots).length === 0 &&
    !('mask' in node.kwargs)
  );
}

/**
 * The plan for `nodes` (in execution order) from `modelInputs` to `modelOutputs`. Every layer
 * runs lean, or (when one cannot) every layer runs through apply: a mask made by one layer must
 * reach the next ones, which only apply passes on.
 */
export function makePlan(
  key: string,
  nodes: readonly Node[],
  modelInputs: readonly SymbolicTensor[],
  modelOutputs: readonly SymbolicTensor[],
  training: boolean,
  isModel: (l: Layer) => boolean,
): PredictPlan {
  const slots = new Map<SymbolicTensor, number>();
  const slotOf = (t: SymbolicTensor) => {
    let s = slots.get(t);
    if (s === undefined) {
      s = slots.size;
      slots.set(t, s);
    }
    return s;
  };
  const inputSlots = modelInputs.map(slotOf);
  const run = nodes.filter(n => !(n.layer instanceof InputLayer));
  const lean = run.every(n => canRunLean(n, isModel));
  const steps = run.map(node => ({
    node,
    layer: node.layer,
    inputs: node.inputs.map(slotOf),
    outputs: node.outputs.map(slotOf),
    lean,
    kwargs: Object.keys(node.kwargSlots).length === 0 ? withTraining(node.kwargs, training) : null,
  }));
  return {
    key,
    nodes,
    nodeCount: nodes.length,
    inputSlots,
    inputDtypes: modelInputs.map(t => t.dtype),
    outputSlots: modelOutputs.map(slotOf),
    slotCount: slots.size,
    steps,
    training,
  };
}

/** Model.execute's rule: a node's own `training` (given at graph build) wins over the call's. */
function withTraining(kwargs: Kwargs, training: boolean): Kwargs {
  return kwargs.training === undefined ? {...kwargs, training} : {...kwargs};
}

/** Whether `plan` can run on these inputs: no input carries a mask (only apply passes masks on). */
export function planApplies(inputs: readonly tf.Tensor[]): boolean {
  for (const t of inputs) if (getMask(t) !== null) return false;
  return true;
}

/**
 * Runs the plan on `inputs` (checked by the caller against the plan's signature) and returns
 * the outputs. Call it inside a loss frame and a tidy, as Model.execute is.
 */
export function runPlan(plan: PredictPlan, inputs: readonly tf.Tensor[]): tf.Tensor[] {
  const values: tf.Tensor[] = new Array(plan.slotCount);
  for (let i = 0; i < plan.inputSlots.length; i++) {
    const x = inputs[i]!;
    values[plan.inputSlots[i]!] = x.dtype === plan.inputDtypes[i] ? x : tf.cast(x, plan.inputDtypes[i]!);
  }
  for (const step of plan.steps) {
    const node = step.node;
    let ins: tf.Tensor[];
    let kwargs: Kwargs;
    if (step.kwargs) {
      ins = new Array(step.inputs.length);
      for (let i = 0; i < ins.length; i++) ins[i] = values[step.inputs[i]!]!;
      kwargs = step.kwargs;
    } else {
      const all = step.inputs.map(s => values[s]!);
      ins = all.slice(0, node.callInputCount);
      kwargs = withTraining(fillKwargs(node.kwargs, node.kwargSlots, all.slice(node.callInputCount)), plan.training);
    }
    const arg = node.inputIsList ? ins : ins[0]!;
    // A copy: a call may add to its kwargs (apply adds the mask it looked up), and step.kwargs is reused.
    const out = step.lean ? step.layer.callPlanned(arg, {...kwargs}) : step.layer.apply(arg, {...kwargs});
    if (Array.isArray(out)) {
      if (out.length !== step.outputs.length) {
        throw new Error(
          `${step.layer.describe()} returned ${out.length} outputs, but it returned ${step.outputs.length} when the graph was built`,
        );
      }
      for (let i = 0; i < out.length; i++) values[step.outputs[i]!] = out[i]!;
    } else {
      if (step.outputs.length !== 1) {
        throw new Error(
          `${step.layer.describe()} returned 1 output, but it returned ${step.outputs.length} when the graph was built`,
        );
      }
      values[step.outputs[0]!] = out as tf.Tensor;
    }
  }
  return plan.outputSlots.map(s => values[s]!);
}
