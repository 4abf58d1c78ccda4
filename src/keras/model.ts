// The functional Model: a graph of layer Nodes from input() tensors to output tensors. It is a
// Layer itself (so it can be applied inside another model), runs its graph eagerly on concrete
// tensors, predicts in batches, and hands the training loop one forward pass with its losses
// through runGraph().
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type Kwargs, fmtShape, uniqueName, shapesCompatible} from './common.js';
import {Layer, collectLosses, currentLossFrame, fillKwargs, type LayerIO, type LossInput} from './layer.js';
import {type SymbolicTensor, type Node, isSymbolic} from './symbolic.js';
import {InputLayer} from './input_layer.js';
import {printSummary} from './summary.js';
import {makePlan, type PredictPlan, planApplies, runPlan, signature, variableDisposals} from './predict_plan.js';
import {replayTrace, traceRun} from './kernel_trace.js';
import {
  compileModel,
  compiledState,
  releaseCompiled,
  evaluateModel,
  fitModel,
  loadModelWeights,
  saveModelWeights,
  type CompileConfig,
  type Data,
  type EvaluateConfig,
  type FitConfig,
} from './training/index.js';
import type {History} from './callbacks.js';
// After the engine's imports: saving/ imports the layer classes, which need Layer evaluated first.
import {saveModel, type SaveOptions} from './saving/io.js';
import {serializeModel, registerModelClass, type KerasModelJSON} from './saving/serialize.js';

/** How many input signatures' predict plans a model keeps (the oldest is dropped first). */
const PREDICT_PLANS = 8;

/** A model's outputs: one SymbolicTensor, or a list (then predict and apply return lists). */
export type ModelOutputs = SymbolicTensor | SymbolicTensor[];

export interface ModelArgs<O extends ModelOutputs = ModelOutputs> {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: O;
  name?: string;
}

/** What a model with symbolic outputs `O` returns on concrete inputs: a Tensor, or a list. */
export type ConcreteOf<O> = O extends readonly unknown[] ? tf.Tensor[] : tf.Tensor;

export interface PredictOptions {
  batchSize?: number;
}

/** One forward pass: the outputs and every loss it produced (see Model.runGraph). */
export interface GraphRun {
  outputs: tf.Tensor[];
  losses: tf.Tensor[];
}

/** Model inputs as a user may give them: one tensor, a list, or a record by input name. */
export type ModelInput = tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;

function describeTensor(t: unknown): string {
  if (isSymbolic(t)) return `'${t.name}' (output of ${t.sourceLayer.describe()})`;
  if (t instanceof tf.Tensor) return `a concrete Tensor of shape ${fmtShape(t.shape)}`;
  return t === null ? 'null' : typeof t;
}

/**
 * `O` is the type of the outputs given to the constructor (inferred): one SymbolicTensor makes
 * predict, call and apply return one tensor whatever the inputs, a list makes them return lists.
 */
export class Model<O extends ModelOutputs = ModelOutputs> extends Layer<LayerIO, ConcreteOf<O>> {
  static override className = 'Functional';

  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  /** Every layer of the graph, inputs first, in Keras' order (by depth from the outputs). */
  readonly layers: Layer[];
  private readonly singleOutput: boolean;
  /** Set by dispose(): every later use throws (assertUsable). */
  private disposed = false;
  /** Nodes to run for the outputs, in execution order (summary and plotModel read them). */
  readonly nodes: Node[];
  /** Cached execution plan for the outputs plus symbolic losses, keyed by the loss list. */
  private lossPlan: {key: string; losses: SymbolicTensor[]; nodes: Node[]} | null = null;
  /** predict's plans by input signature (predict_plan.ts), at most PREDICT_PLANS of them. */
  private readonly predictPlans = new Map<string, PredictPlan>();
  /** The variable-disposal count when predict last checked every weight (assertUsable), or -1. */
  private weightsCheckedAt = -1;

  constructor(args: ModelArgs<O>) {
    super({name: args.name ?? uniqueName('model')});
    this.singleOutput = !Array.isArray(args.outputs);
    this.inputs = (Array.isArray(args.inputs) ? args.inputs : [args.inputs]) as SymbolicTensor[];
    this.outputs = (Array.isArray(args.outputs) ? args.outputs : [args.outputs]) as SymbolicTensor[];
    const where = `Model '${this.name}'`;
    if (this.inputs.length === 0) throw new Error(`${where}: no inputs`);
    if (this.outputs.length === 0) throw new Error(`${where}: no outputs`);
    this.inputs.forEach((t, i) => {
      if (!isSymbolic(t) || !(t.sourceLayer instanceof InputLayer)) {
        throw new Error(`${where}: input ${i} must be a tensor made by input(), got ${describeTensor(t)}`);
      }
      if (this.inputs.indexOf(t) !== i) throw new Error(`${where}: input '${t.name}' is given twice`);
    });
    this.outputs.forEach((t, i) => {
      if (!isSymbolic(t)) throw new Error(`${where}: output ${i} must be a SymbolicTensor, got ${describeTensor(t)}`);
    });
    this.nodes = this.plan(this.outputs);
    this.layers = [...new Set(this.nodes.map(n => n.layer))];
    for (const t of this.inputs) if (!this.layers.includes(t.sourceLayer)) this.layers.unshift(t.sourceLayer);
    const names = new Map<string, Layer>();
    for (const layer of this.layers) {
      const other = names.get(layer.name);
      if (other && other !== layer)
        throw new Error(`${where}: two layers are named '${layer.name}'; layer names must be unique in a model`);
      names.set(layer.name, layer);
    }
    this.built = true;
  }

  /**
   * The nodes needed to compute `targets` from the model's inputs, in an order that runs every
   * producer before its consumers: Keras' order (deepest first, depth counted from the targets),
   * ties broken by discovery. Throws, naming the tensor, when a target needs an input the model
   * does not have.
   */
  private plan(targets: SymbolicTensor[], what = 'output'): Node[] {
    const order: Node[] = [];
    const visited = new Set<Node>();
    const visit = (t: SymbolicTensor, target: SymbolicTensor) => {
      const node = t.node;
      if (visited.has(node)) return;
      visited.add(node);
      if (node.layer instanceof InputLayer && !this.inputs.includes(t)) {
        throw new Error(
          `Model '${this.name}': ${what} '${target.name}' cannot be computed from the model's inputs ` +
            `[${this.inputs.map(i => `'${i.name}'`).join(', ')}]: it depends on input '${t.name}', which is not one of them (graph disconnected)`,
        );
      }
      for (const inp of node.inputs) visit(inp, target);
      order.push(node);
    };
    for (const t of targets) visit(t, t);
    // Depth: 0 for target nodes, then max(consumer depth + 1) for producers.
    const depth = new Map<Node, number>(order.map(n => [n, 0]));
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i];
      for (const inp of n.inputs) depth.set(inp.node, Math.max(depth.get(inp.node)!, depth.get(n)! + 1));
    }
    const index = new Map(order.map((n, i) => [n, i]));
    return [...order].sort((a, b) => depth.get(b)! - depth.get(a)! || index.get(a)! - index.get(b)!);
  }

  /** Symbolic losses added to this model or its layers that this graph can compute. */
  private symbolicLossPlan(): {losses: SymbolicTensor[]; nodes: Node[]} {
    const candidates = [
      ...this.symbolicLosses,
      ...this.layers.filter(l => !(l instanceof Model)).flatMap(l => l.symbolicLosses),
    ];
    const key = candidates.map(t => t.id).join(',');
    if (this.lossPlan?.key === key) return this.lossPlan;
    const losses = candidates.filter(t => {
      try {
        this.plan([t], 'loss');
        return true;
      } catch {
        return false;
      }
    });
    this.lossPlan = {key, losses, nodes: losses.length ? this.plan([...this.outputs, ...losses]) : this.nodes};
    return this.lossPlan;
  }

  /**
   * The symbolic losses (addLoss(SymbolicTensor) on the model or its layers) this graph computes
   * on every training step: what model.save writes beside the outputs, so loadModel adds them again.
   */
  addedLossTensors(): SymbolicTensor[] {
    return [...this.symbolicLossPlan().losses];
  }

  /**
   * The graph as summary() and plotModel() draw it: the nodes of the outputs and of the symbolic
   * losses this model computes, and their layers — the model's, then those only an added loss
   * uses (a Dense or K ops on a hidden output). Keras inserts those into the model after its own
   * layers, so they show and their params add up to the totals, though predict never runs them.
   */
  drawnGraph(): {nodes: Node[]; layers: Layer[]} {
    const nodes = this.symbolicLossPlan().nodes;
    const layers = [...this.layers];
    for (const node of nodes) if (!layers.includes(node.layer)) layers.push(node.layer);
    return {nodes, layers};
  }

  /**
   * The model's layers plus those that only its symbolic losses use (a Dense applied to a hidden
   * output inside model.addLoss(...)): Keras inserts them into the model, so their weights train,
   * save and count with the model's.
   */
  protected override _trackedChildren(): {variables: tf.Variable[]; layers: Layer[]} {
    const tracked = super._trackedChildren();
    const lossOnly = this.symbolicLossPlan()
      .nodes.map(n => n.layer)
      .filter(l => !tracked.layers.includes(l));
    return {variables: tracked.variables, layers: [...tracked.layers, ...new Set(lossOnly)]};
  }

  override addLoss(loss: LossInput | LossInput[]): void {
    for (const l of Array.isArray(loss) ? loss : [loss]) if (isSymbolic(l)) this.plan([l], 'loss');
    super.addLoss(loss);
  }

  /** Input shapes of the model (batch dimension null unless input() fixed it). */
  get inputShapes(): Shape[] {
    return this.inputs.map(t => t.shape);
  }

  get outputShapes(): Shape[] {
    return this.outputs.map(t => t.shape);
  }

  protected override assertInputCompatible(shapes: Shape | Shape[]): void {
    const list = shapes.length > 0 && Array.isArray(shapes[0]) ? (shapes as Shape[]) : [shapes as Shape];
    if (list.length !== this.inputs.length) {
      throw new Error(
        `Model '${this.name}' expects ${this.inputs.length} input(s) ` +
          `[${this.inputs.map(t => `'${t.name}' ${fmtShape(t.shape)}`).join(', ')}], got ${list.length} (shapes ${fmtShape(list)})`,
      );
    }
    this.inputs.forEach((t, i) => {
      if (!shapesCompatible(t.shape, list[i])) {
        throw new Error(
          `Model '${this.name}': input '${t.name}' expected shape ${fmtShape(t.shape)}, got ${fmtShape(list[i])}`,
        );
      }
    });
  }

  private normalizeInputs(x: ModelInput): tf.Tensor[] {
    if (x instanceof tf.Tensor) return [x];
    if (Array.isArray(x)) return x;
    if (x && typeof x === 'object') {
      return this.inputs.map(t => {
        const v = x[t.name];
        if (!v)
          throw new Error(
            `Model '${this.name}': no tensor given for input '${t.name}' (got keys ${Object.keys(x).join(', ')})`,
          );
        return v;
      });
    }
    throw new Error(
      `Model '${this.name}': expected a Tensor, a list of Tensors or a record by input name, got ${typeof x}`,
    );
  }

  /**
   * Runs the graph on concrete inputs. Symbolic losses this graph can compute are pushed to the
   * current loss frame; layer losses added in call() reach it through Layer.apply.
   */
  private execute(inputs: tf.Tensor[], training: boolean): tf.Tensor[] {
    const {losses, nodes} = this.symbolicLossPlan();
    const values = new Map<SymbolicTensor, tf.Tensor>();
    this.inputs.forEach((t, i) => {
      values.set(t, inputs[i].dtype === t.dtype ? inputs[i] : tf.cast(inputs[i], t.dtype));
    });
    for (const node of nodes) {
      if (node.layer instanceof InputLayer) continue;
      const all = node.inputs.map(t => values.get(t)!);
      const ins = all.slice(0, node.callInputCount);
      const kwargs: Kwargs = fillKwargs(node.kwargs, node.kwargSlots, all.slice(node.callInputCount));
      if (kwargs.training === undefined) kwargs.training = training;
      const out = node.layer.apply(node.inputIsList ? ins : ins[0], kwargs);
      const outs = (Array.isArray(out) ? out : [out]) as tf.Tensor[];
      if (outs.length !== node.outputs.length) {
        throw new Error(
          `${node.layer.describe()} returned ${outs.length} outputs, but it returned ${node.outputs.length} when the graph was built`,
        );
      }
      node.outputs.forEach((t, i) => {
        values.set(t, outs[i]);
      });
    }
    currentLossFrame()?.push(...losses.map(t => values.get(t)!));
    return this.outputs.map(t => values.get(t)!);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs = {}): ConcreteOf<O> {
    this.assertUsable('call');
    const outs = this.execute(Array.isArray(inputs) ? inputs : [inputs], kwargs.training ?? false);
    return (this.singleOutput ? outs[0] : outs) as ConcreteOf<O>;
  }

  /**
   * One forward pass for the training loop: the outputs (always a list) and all losses: those
   * added in call() during this pass, the symbolic ones (addLoss(SymbolicTensor)) computed on
   * these inputs, and the current value of every function loss (weight regularizers) of every
   * layer. Tensors are not tidied: call it inside the loss function of tf.variableGrads/minimize.
   */
  runGraph(inputs: tf.Tensor[], {training = false}: {training?: boolean} = {}): GraphRun {
    this.assertInputCompatible(inputs.map(t => [...t.shape]));
    const {result, losses} = collectLosses(() => this.execute(inputs, training));
    return {outputs: result, losses: [...losses, ...this.callableLosses().map(f => f())]};
  }

  /**
   * assertUsable for predict: the walk over every weight runs again only when the model was
   * disposed or some tf.Variable was disposed since it last passed (predict_plan.ts).
   */
  private assertUsableForPredict(): void {
    const at = variableDisposals();
    if (this.disposed || at !== this.weightsCheckedAt) {
      this.assertUsable('predict');
      this.weightsCheckedAt = at;
    }
  }

  /**
   * One forward pass of predict (training false) on one batch: the cached plan of these inputs'
   * signature when there is one, else the uncached path, after which the plan is made. Inside a
   * loss frame and a tidy, as execute.
   */
  private predictBatch(inputs: tf.Tensor[]): tf.Tensor[] {
    const key = signature(inputs, false);
    const plan = this.predictPlans.get(key);
    if (plan && plan.nodes === this.nodes && plan.nodeCount === this.nodes.length && planApplies(inputs)) {
      try {
        // Replay the plan's kernels (kernel_trace.ts); its first run records them.
        if (plan.trace) {
          const replayed = replayTrace(plan.trace, inputs);
          if (replayed) return replayed;
        } else if (plan.trace === undefined) {
          const {outputs, trace} = traceRun(inputs, () => runPlan(plan, inputs));
          plan.trace = trace;
          return outputs;
        }
        return runPlan(plan, inputs);
      } catch (e) {
        // A weight disposed in a way the cached check cannot see: name it, as the uncached path does.
        this.assertUsable('predict');
        throw e;
      }
    }
    const outputs = this.execute(inputs, false);
    if (this.predictPlans.size >= PREDICT_PLANS) this.predictPlans.delete(this.predictPlans.keys().next().value!);
    this.predictPlans.set(
      key,
      makePlan(key, this.nodes, this.inputs, this.outputs, false, l => l instanceof Model),
    );
    return outputs;
  }

  /** Predicts in batches of `batchSize` (default 32); returns one Tensor, or a list per output. */
  predict(x: ModelInput, {batchSize = 32}: PredictOptions = {}): ConcreteOf<O> {
    this.assertUsableForPredict();
    const xs = this.normalizeInputs(x);
    xs.forEach((t, i) => {
      if (!(t instanceof tf.Tensor))
        throw new Error(
          `Model '${this.name}': predict input '${this.inputs[i]?.name ?? i}' must be a Tensor, got ${t === null ? 'null' : typeof t}`,
        );
      if (t.isDisposed)
        throw new Error(`Model '${this.name}': predict input '${this.inputs[i]?.name ?? i}' is a disposed tensor`);
    });
    this.assertInputCompatible(xs.map(t => [...t.shape]));
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`Model '${this.name}': predict batchSize must be a positive integer, got ${batchSize}`);
    const n = xs[0].shape[0] ?? 1;
    xs.forEach((t, i) => {
      if (t.shape[0] !== n)
        throw new Error(
          `Model '${this.name}': all inputs must have the same batch size; input '${this.inputs[i].name}' has ${t.shape[0]}, input '${this.inputs[0].name}' has ${n}`,
        );
    });
    const batches: tf.Tensor[][] = [];
    try {
      for (let start = 0; start < Math.max(n, 1); start += batchSize) {
        const size = Math.min(batchSize, n - start);
        batches.push(
          tf.tidy(
            () =>
              collectLosses(() => this.predictBatch(n <= batchSize ? xs : xs.map(t => tf.slice(t, start, size))))
                .result,
          ),
        );
      }
      const outs = this.outputs.map((_, k) =>
        batches.length === 1
          ? batches[0][k]
          : tf.concat(
              batches.map(b => b[k]),
              0,
            ),
      );
      if (batches.length > 1) tf.dispose(batches);
      return (this.singleOutput ? outs[0] : outs) as ConcreteOf<O>;
    } catch (e) {
      tf.dispose(batches);
      throw e;
    }
  }

  /** Like predict on one batch, without batching (Keras' `predict_on_batch`). */
  predictOnBatch(x: ModelInput): ConcreteOf<O> {
    const xs = this.normalizeInputs(x);
    return this.predict(xs, {batchSize: Math.max(1, xs[0].shape[0] ?? 1)});
  }

  // Training (compile/fit/evaluate, weights files) lives in src/keras/training/; these delegate to it.
  /** Set to true (EarlyStopping does) to end fit() after the current batch. */
  stopTraining = false;

  /** compile({optimizer, loss?, lossWeights?, metrics?}) — see training/compile.ts. */
  compile(config: CompileConfig): void {
    this.assertUsable('compile');
    compileModel(this, config);
  }

  /** fit(x, y?, {batchSize, epochs, shuffle, seed, validationSplit, validationData, verbose, callbacks}) → History. */
  async fit(x: Data, y?: Data | FitConfig, config?: FitConfig): Promise<History> {
    this.assertUsable('fit');
    return fitModel(this, x, y, config);
  }

  /** The compiled loss (and metrics) on (x, y), in batches, with training=false. */
  evaluate(x: Data, y?: Data, config?: EvaluateConfig): tf.Scalar | tf.Scalar[] {
    this.assertUsable('evaluate');
    return evaluateModel(this, x, y, config);
  }

  /** The optimizer given to compile(), once compiled. */
  get optimizer(): tf.Optimizer | undefined {
    return compiledState(this)?.optimizer;
  }

  /**
   * Frees the weights of every layer, and the optimizer compile() made from a name (Adam's
   * moments are as large as the weights). An optimizer given to compile as an object is left to
   * its owner, who may share it between models. The model needs compile() again to train.
   */
  override dispose(): void {
    super.dispose();
    releaseCompiled(this);
    this.disposed = true;
  }

  /**
   * Throws, naming the model, when its weights are gone: after dispose(), or when a weight was
   * disposed directly. Without it, predict/fit/evaluate on such a model fail deep in an op with
   * tfjs' "Cannot read properties of undefined (reading 'backend')".
   */
  assertUsable(fn: string): void {
    if (this.disposed) {
      throw new Error(
        `Model '${this.name}': ${fn}() on a disposed model (dispose() freed its weights); build the model again`,
      );
    }
    for (const layer of this.layers) {
      const gone = layer.disposedWeights()[0];
      if (gone)
        throw new Error(`Model '${this.name}': ${fn}(): weight '${gone.name}' of layer '${layer.name}' is disposed`);
    }
  }

  /** Writes every weight: a path or 'file://' in Node, 'indexeddb://' 'localstorage://' 'http(s)://', or a tf.io handler. */
  async saveWeights(target: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
    // A disposed model would write an empty checkpoint, over a good one at the same path.
    this.assertUsable('saveWeights');
    return saveModelWeights(this, target);
  }

  /**
   * Saves the whole model (architecture as Keras 3's config, weights in tfjs' binary layout) to
   * 'file://dir' (Node), 'indexeddb://', 'localstorage://', 'downloads://', 'http(s)://' or a
   * tf.io handler; loadModel reads it back. `includeOptimizer` adds the compile config and the
   * optimizer's state; `format: 'tfjs-layers'` writes the model.json tf.loadLayersModel reads.
   */
  async save(target: string | tf.io.IOHandler, options: SaveOptions = {}): Promise<tf.io.SaveResult> {
    return saveModel(this, target, options);
  }

  /** Reads weights written by saveWeights (by name, else by order; every shape checked). */
  async loadWeights(source: string | tf.io.IOHandler): Promise<void> {
    this.assertUsable('loadWeights');
    return loadModelWeights(this, source);
  }

  getLayer(name: string): Layer {
    const layer = this.layers.find(l => l.name === name);
    if (!layer)
      throw new Error(
        `Model '${this.name}': no layer named '${name}' (layers: ${this.layers.map(l => l.name).join(', ')})`,
      );
    return layer;
  }

  /** Prints Keras' summary table (to console.log unless printFn is given). */
  summary(lineLength?: number, positions?: number[], printFn?: (line: string) => void): void {
    printSummary(this, lineLength, positions, printFn);
  }

  /**
   * Keras 3's functional config (Keras' `model.to_json()`, and config.json in a .keras file);
   * `JSON.stringify(model)` writes it. Throws, naming the layer, for an unregistered custom layer.
   */
  toJSON(): KerasModelJSON {
    return serializeModel(this);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      layers: this.layers.map(l => ({className: l.getClassName(), config: l.getConfig()})),
      inputLayers: this.inputs.map(t => t.kerasHistory),
      outputLayers: this.outputs.map(t => t.kerasHistory),
    };
  }
}

registerModelClass(Model);

/** `model({inputs, outputs, name?})`: the functional-API factory, same as `new Model(...)`. */
export function model<O extends ModelOutputs>(args: ModelArgs<O>): Model<O> {
  return new Model(args);
}
