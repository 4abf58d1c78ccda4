// Kernel traces: a run recorded as the list of kernels it made tfjs' engine run, then replayed by
// calling those kernels' functions directly, without the layers and without the engine in
// between. Two users:
//   - Model.predict (predict_plan.ts): a plan run once more with the engine watched;
//   - fit's training step (training/step_trace.ts): the forward pass, the losses and tfjs'
//     backward pass inside tf.variableGrads, recorded with `{training: true}` (below).
//
// Why: predicting one example with the seed's MLP is ~28 µs of matrix-vector products and
// ~14 µs of bookkeeping around its six kernels (tfjs' engine ~1.4 µs per kernel: scopes, tensor
// tracking, kernel lookup; the Keras graph walk and layer calls ~2.5 µs). A replay costs a
// kernel lookup and the kernel itself per step. A training step of the seed's MLP spends
// ~0.6 ms outside its kernels (tape, clones of saved tensors, scopes, layer calls).
//
// This is what Keras itself does: predict and fit run traced functions (tf.function), so the
// Python code of call() runs once per input signature and later calls run the recorded graph. As
// there, the trace must not depend on anything but the inputs' shapes and the weights. A run is
// traced only when the recording can prove it is replayable; otherwise the plan keeps running as before:
//   - every tensor a kernel reads is a predict input, a tf.Variable (read again at every replay:
//     assign and training are seen), an output of an earlier recorded kernel, or a tensor that
//     existed before the run (a constant a layer holds; a replay checks it is not disposed).
//     A tensor made from values during the run (tf.tensor, tf.randomUniform, a scalar operand)
//     could differ between calls: no trace (a training trace keeps them as constants instead,
//     and its user compares two traces before using one);
//   - no value is read during the run (dataSync, data, array: a layer could branch on it), and no
//     tf.Variable is assigned (state a layer updates in call: no kernel, so no replay would);
//   - no random kernel runs (their seeds are attributes, fixed in the trace);
//   - every output of the model is an output of a recorded kernel.
// Then one replay must reproduce the traced run's outputs bit for bit, or the trace is dropped.
// A replay also checks every kernel's output shape and dtype against the trace (a kernel whose
// output shape depends on values) and falls back to the plan on any difference. Replays happen
// only outside gradient recording, profiling and debug mode, on the backend the trace was made on.
import * as tf from '@tensorflow/tfjs-core';
import type {backend_util, KernelBackend, NamedAttrMap, TensorInfo} from '@tensorflow/tfjs-core';

/** Where a recorded kernel's input comes from at replay time. */
type Source =
  | {kind: 'input'; index: number}
  | {kind: 'slot'; slot: number}
  /** A tensor made before the run: a weight (a tf.Variable, whose data assign replaces: read at every replay) or a constant. */
  | {kind: 'held'; tensor: tf.Tensor}
  /**
   * A training trace's tensor made from values during the run (the backward pass's `ones` and
   * scalars, a loss weight): its values, written to the backend as data the engine does not
   * track (so tf.memory().numTensors is what it would be without traces); freed by disposeTrace.
   */
  | {kind: 'constant'; index: number};

/** A constant of a training trace: the values as made, and their copy on the backend. */
interface TraceConstant {
  values: backend_util.BackendValues;
  shape: number[];
  dtype: tf.DataType;
  info: TensorInfo | null;
}

interface TraceStep {
  kernelName: string;
  /** The kernel's function for the traced backend, looked up when the trace was made. */
  kernelFunc: tf.KernelFunc;
  /** The kernel's inputs: named (most kernels) or a list (Concat, AddN, Pack...), as recorded. */
  inputNames: string[];
  inputIsList: boolean;
  sources: Source[];
  /** The traced inputs' shapes and dtypes, for the fusions (fuseBiasAdds). */
  inputShapes: number[][];
  inputDtypes: tf.DataType[];
  attrs: NamedAttrMap;
  /** Value slots of the kernel's outputs, with the shapes and dtypes the trace saw. */
  outputs: number[];
  outputShapes: number[][];
  outputDtypes: tf.DataType[];
  /** Slots whose last reader is this step: freed after it runs. */
  frees: number[];
  /** The inputs object (or list) a replay fills and hands to the kernel: keys made once, by finishTrace. */
  kernelInputs: Record<string, TensorInfo | null> | (TensorInfo | null)[];
}

export interface KernelTrace {
  backendName: string;
  backend: KernelBackend;
  steps: TraceStep[];
  slotCount: number;
  outputSlots: number[];
  /** A training trace's constants (Source kind 'constant'); none in a predict trace. */
  constants: TraceConstant[];
}

export interface TraceOptions {
  /**
   * A training step (training/step_trace.ts): the run records gradients. The engine's copies of
   * the tensors it saves for the backward pass (an Identity kernel inside another kernel) are
   * the tensors themselves, and tensors made from values during the run become the trace's
   * constants. No fusions and no check here: the caller compares two traces and their replays
   * with the eager runs before it uses one (sameTrace).
   */
  training?: boolean;
}

/** Kernels whose outputs are random: their seeds are attributes, which a trace would fix. */
const RANDOM_KERNEL = /Random|Multinomial|Dropout|Binomial/;

/** The parts of tfjs' engine a trace watches (its own methods, shadowed on the instance while tracing). */
interface EngineLike {
  runKernel(name: string, inputs: tf.NamedTensorMap, attrs?: NamedAttrMap): tf.Tensor | tf.Tensor[];
  readSync(dataId: object): unknown;
  read(dataId: object): Promise<unknown>;
  makeTensorFromTensorInfo(info: TensorInfo, backend?: KernelBackend): tf.Tensor;
  makeTensor(values: unknown, shape: number[], dtype: tf.DataType, backend?: KernelBackend): tf.Tensor;
  state: {gradientDepth: number; profiling: boolean};
}
const theEngine = () => tf.engine() as unknown as EngineLike;

/** Whether replays (and traces) may run now: no gradient recording, profiling or debug mode. */
function replayAllowed(engine: EngineLike): boolean {
  return engine.state.gradientDepth === 0 && !engine.state.profiling && !tf.env().getBool('DEBUG');
}

/**
 * Runs `run` (the plan on `inputs`) with the engine watched and returns its outputs, and the
 * trace when the run was replayable (see the top of this file), else null.
 */
export function traceRun(
  inputs: readonly tf.Tensor[],
  run: () => tf.Tensor[],
  {training = false}: TraceOptions = {},
): {outputs: tf.Tensor[]; trace: KernelTrace | null} {
  const engine = theEngine();
  const patched = ['runKernel', 'readSync', 'read', 'makeTensor'].some(k => Object.hasOwn(engine, k));
  if (!replayAllowed(engine) || patched) return {outputs: run(), trace: null};
  const backendName = tf.getBackend();
  const backend = tf.backend();
  // Tensors made before the run have smaller ids: a tensor this run made must come from a kernel.
  const probe = tf.scalar(0);
  const firstNewId = probe.id;
  probe.dispose();
  const slots = new Map<tf.Tensor, number>();
  const steps: TraceStep[] = [];
  let replayable = true;
  let depth = 0;
  // Training: the engine's copies of saved tensors, as what they copy; tensors made from values.
  // (Resolved when read: a kernel's saved output is copied before the kernel's step is recorded.)
  const aliases = new Map<tf.Tensor, tf.Tensor>();
  const constants = new Map<tf.Tensor, number>();
  const constantList: TraceConstant[] = [];

  const sourceOf = (t: tf.Tensor): Source | null => {
    const index = inputs.indexOf(t);
    if (index >= 0) return {kind: 'input', index};
    const slot = slots.get(t);
    if (slot !== undefined) return {kind: 'slot', slot};
    const alias = aliases.get(t);
    if (alias) return sourceOf(alias);
    const constant = constants.get(t);
    if (constant !== undefined) return {kind: 'constant', index: constant};
    if (t.id < firstNewId) return {kind: 'held', tensor: t};
    return null;
  };

  const runKernel = engine.runKernel;
  const readSync = engine.readSync;
  const read = engine.read;
  const makeTensor = engine.makeTensor;
  engine.runKernel = function (this: EngineLike, name: string, kernelInputs: tf.NamedTensorMap, attrs?: NamedAttrMap) {
    if (depth > 0 && training && name === 'Identity' && replayable) {
      // The engine saving a kernel's input or output for the backward pass (a clone).
      const out = runKernel.call(this, name, kernelInputs, attrs) as tf.Tensor;
      aliases.set(out, kernelInputs.x as tf.Tensor);
      return out;
    }
    if (depth > 0 || !replayable) return runKernel.call(this, name, kernelInputs, attrs);
    depth++;
    let out: tf.Tensor | tf.Tensor[];
    try {
      out = runKernel.call(this, name, kernelInputs, attrs);
    } finally {
      depth--;
    }
    if (RANDOM_KERNEL.test(name)) replayable = false;
    const inputIsList = Array.isArray(kernelInputs);
    const inputNames = Object.keys(kernelInputs);
    const sources: Source[] = [];
    const inputShapes: number[][] = [];
    const inputDtypes: tf.DataType[] = [];
    for (const key of inputNames) {
      const t = (kernelInputs as Record<string, tf.Tensor>)[key];
      const source = t instanceof tf.Tensor ? sourceOf(t) : null;
      if (source === null) {
        replayable = false;
      } else {
        sources.push(source);
        inputShapes.push([...t!.shape]);
        inputDtypes.push(t!.dtype);
      }
    }
    const outs = Array.isArray(out) ? out : [out];
    const outputs = outs.map(t => {
      const slot = slots.size;
      slots.set(t, slot);
      return slot;
    });
    if (outs.some(t => t.dtype === 'complex64' || t.dtype === 'string')) replayable = false;
    const kernel = tf.getKernel(name, backendName);
    if (!kernel) replayable = false;
    steps.push({
      kernelName: name,
      kernelFunc: kernel ? kernel.kernelFunc : () => [],
      inputNames,
      inputIsList,
      sources,
      inputShapes,
      inputDtypes,
      attrs: {...(attrs ?? {})},
      outputs,
      outputShapes: outs.map(t => [...t.shape]),
      outputDtypes: outs.map(t => t.dtype),
      frees: [],
      kernelInputs: [],
    });
    return out;
  };
  engine.readSync = function (this: EngineLike, dataId: object) {
    replayable = false;
    return readSync.call(this, dataId);
  };
  engine.read = function (this: EngineLike, dataId: object) {
    replayable = false;
    return read.call(this, dataId);
  };
  if (training) {
    engine.makeTensor = function (this: EngineLike, values, shape, dtype, backend) {
      const t = makeTensor.call(this, values, shape, dtype, backend);
      if (depth > 0 || !replayable) return t;
      if (dtype === 'string' || dtype === 'complex64' || (backend && backend !== tf.backend())) {
        replayable = false;
        return t;
      }
      // The values as the engine stored them (typed, copied: the caller may reuse its array).
      const typed = tf.util.toTypedArray(values as tf.TensorLike, dtype) as backend_util.BackendValues;
      constants.set(t, constantList.length);
      constantList.push({values: (typed as Float32Array).slice(), shape: [...shape], dtype, info: null});
      return t;
    };
  }
  // Variable.assign is no kernel: a layer that updates state in `call` would not in a replay.
  const variableProto = tf.Variable.prototype;
  const assign = variableProto.assign;
  variableProto.assign = function (this: tf.Variable, value: tf.Tensor) {
    replayable = false;
    return assign.call(this, value);
  };
  let outputs: tf.Tensor[];
  try {
    outputs = run();
  } finally {
    delete (engine as Partial<EngineLike>).runKernel;
    delete (engine as Partial<EngineLike>).readSync;
    delete (engine as Partial<EngineLike>).read;
    delete (engine as Partial<EngineLike>).makeTensor;
    variableProto.assign = assign;
  }
  const outputSlots = outputs.map(t => slots.get(t) ?? -1);
  // An output twice would be two tensors on one buffer that the engine never counted twice.
  if (!replayable || outputSlots.includes(-1) || new Set(outputSlots).size < outputSlots.length) {
    return {outputs, trace: null};
  }

  const recorded: KernelTrace = {backendName, backend, steps, slotCount: slots.size, outputSlots, constants: []};
  if (training) {
    const trace = finishTrace(recorded);
    // Only the constants a kept step reads, written to the backend once.
    const used = new Map<number, number>();
    for (const step of trace.steps) {
      step.sources = step.sources.map(s => {
        if (s.kind !== 'constant') return s;
        let index = used.get(s.index);
        if (index === undefined) {
          index = trace.constants.length;
          used.set(s.index, index);
          const c = constantList[s.index]!;
          trace.constants.push({
            ...c,
            info: {dataId: backend.write(c.values, c.shape, c.dtype), shape: c.shape, dtype: c.dtype},
          });
        }
        return {kind: 'constant', index};
      });
    }
    return {outputs, trace};
  }
  // One replay must give the traced outputs exactly, or the trace is not used: the one with the
  // fusions if it does, else the one without.
  const fused = fuseBiasAdds(recorded);
  for (const candidate of fused === recorded ? [recorded] : [fused, recorded]) {
    const trace = finishTrace(candidate);
    if (reproduces(trace, inputs, outputs)) return {outputs, trace};
  }
  return {outputs, trace: null};
}

/** Whether replaying `trace` on `inputs` gives `outputs` bit for bit. */
export function reproduces(trace: KernelTrace, inputs: readonly tf.Tensor[], outputs: readonly tf.Tensor[]): boolean {
  const replayed = replayTrace(trace, inputs);
  if (!replayed) return false;
  const same = replayed.every((r, i) => {
    const o = outputs[i]!;
    if (r.dtype !== o.dtype || !tf.util.arraysEqual(r.shape, o.shape)) return false;
    return sameBytes(r.dataSync() as backend_util.BackendValues, o.dataSync() as backend_util.BackendValues);
  });
  tf.dispose(replayed);
  return same;
}

/**
 * Keras' custom dense layer, `K.add(K.dot(x, w), b)`, is a BatchMatMul and an Add of a bias
 * vector: one _FusedMatMul with that bias computes the same sums and adds the bias to each as the
 * Add does (one float32 addition), in one kernel and without the product's intermediate tensor.
 * Fused when the product is two matrices, read by that Add alone, and the bias is a float32
 * vector of the product's width already there when the product runs. (`reproduces` checks the
 * result bit for bit before the trace is used.)
 */
function fuseBiasAdds(trace: KernelTrace): KernelTrace {
  const fusedKernel = tf.getKernel('_FusedMatMul', trace.backendName);
  if (!fusedKernel) return trace;
  const reads = new Map<number, number>();
  const read = (slot: number) => reads.set(slot, (reads.get(slot) ?? 0) + 1);
  for (const s of trace.outputSlots) read(s);
  for (const step of trace.steps) for (const s of step.sources) if (s.kind === 'slot') read(s.slot);
  const producer = new Map<number, number>();
  trace.steps.forEach((step, i) => {
    for (const s of step.outputs) producer.set(s, i);
  });
  const steps = [...trace.steps];
  let changed = false;
  for (let i = 0; i < steps.length; i++) {
    const product = steps[i]!;
    if (product.kernelName !== 'BatchMatMul' || product.outputs.length !== 1) continue;
    const y = product.outputs[0]!;
    const [m, n] = product.outputShapes[0]!;
    if (
      reads.get(y) !== 1 ||
      product.outputShapes[0]!.length !== 2 ||
      product.outputDtypes[0] !== 'float32' ||
      product.inputShapes.some(shape => shape.length !== 2)
    ) {
      continue;
    }
    const j = steps.findIndex((s, k) => k > i && s.sources.some(src => src.kind === 'slot' && src.slot === y));
    const add = steps[j];
    if (add?.kernelName !== 'Add' || add.sources.length !== 2) continue;
    const yAt = add.sources.findIndex(src => src.kind === 'slot' && src.slot === y);
    const biasAt = 1 - yAt;
    const bias = add.sources[biasAt]!;
    const biasShape = add.inputShapes[biasAt]!;
    const biasReady = bias.kind !== 'slot' || (producer.get(bias.slot) ?? Infinity) < i;
    if (
      !biasReady ||
      biasShape.length !== 1 ||
      biasShape[0] !== n ||
      add.inputDtypes[biasAt] !== 'float32' ||
      !tf.util.arraysEqual(add.outputShapes[0]!, [m!, n!])
    ) {
      continue;
    }
    steps[i] = {
      kernelName: '_FusedMatMul',
      kernelFunc: fusedKernel.kernelFunc,
      inputNames: ['a', 'b', 'bias'],
      inputIsList: false,
      sources: [product.sources[0]!, product.sources[1]!, bias],
      inputShapes: [product.inputShapes[0]!, product.inputShapes[1]!, biasShape],
      inputDtypes: [product.inputDtypes[0]!, product.inputDtypes[1]!, 'float32'],
      attrs: {...product.attrs, activation: 'linear'},
      outputs: add.outputs,
      outputShapes: add.outputShapes,
      outputDtypes: add.outputDtypes,
      frees: [],
      kernelInputs: [],
    };
    steps.splice(j, 1);
    changed = true;
  }
  return changed ? {...trace, steps} : trace;
}

/** Drops the steps nothing needs, and notes after which step each slot is last read. */
function finishTrace(trace: KernelTrace): KernelTrace {
  const needed = new Set(trace.outputSlots);
  const kept: TraceStep[] = [];
  for (let i = trace.steps.length - 1; i >= 0; i--) {
    const step = trace.steps[i]!;
    if (!step.outputs.some(s => needed.has(s))) continue;
    for (const s of step.sources) if (s.kind === 'slot') needed.add(s.slot);
    const kernelInputs = step.inputIsList
      ? step.sources.map(() => null)
      : Object.fromEntries(step.inputNames.map(name => [name, null]));
    kept.unshift({...step, frees: [], kernelInputs});
  }
  const outputs = new Set(trace.outputSlots);
  const lastReader = new Map<number, TraceStep>();
  for (const step of kept) {
    // Outputs nothing reads are freed right after their step (a kernel's extra outputs).
    for (const s of step.outputs) if (!outputs.has(s)) lastReader.set(s, step);
    for (const s of step.sources) if (s.kind === 'slot' && !outputs.has(s.slot)) lastReader.set(s.slot, step);
  }
  for (const [slot, step] of lastReader) step.frees.push(slot);
  return {...trace, steps: kept};
}

/** Bit for bit (a gradient of the seed's MLP is 1.5 MB: a plain loop, 4 bytes at a time when aligned). */
function sameBytes(a: backend_util.BackendValues, b: backend_util.BackendValues): boolean {
  if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.byteLength !== b.byteLength) return false;
  const words = a.byteLength % 4 === 0 && a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0;
  const view = (v: ArrayBufferView) =>
    words
      ? new Int32Array(v.buffer, v.byteOffset, v.byteLength / 4)
      : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const x = view(a);
  const y = view(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Frees a replay's intermediate value: a TensorInfo the engine never saw, or a Tensor a kernel returned. */
function release(backend: KernelBackend, value: TensorInfo | tf.Tensor): void {
  if (isTensor(value)) value.dispose();
  else backend.disposeData(value.dataId);
}

/** tfjs' engine's test for a kernel output that is a Tensor already (instanceof Tensor is a slow duck-typing check). */
const isTensor = (v: TensorInfo | tf.Tensor): v is tf.Tensor => (v as {rank?: number}).rank != null;

/** Frees every value a replay holds (it is giving up, or a kernel threw). */
function releaseAll(backend: KernelBackend, values: (TensorInfo | tf.Tensor | undefined)[]): null {
  for (const v of values) if (v) release(backend, v);
  return null;
}

/** A recorded input's tensor at replay time, or null when a held tensor was disposed. */
function sourceValue(
  s: Source,
  inputs: readonly tf.Tensor[],
  values: (TensorInfo | tf.Tensor | undefined)[],
  constants: TraceConstant[],
): TensorInfo | null {
  if (s.kind === 'input') return inputs[s.index]!;
  if (s.kind === 'slot') return values[s.slot]!;
  if (s.kind === 'constant') return constants[s.index]!.info;
  return s.tensor.isDisposed ? null : s.tensor;
}

/**
 * Runs `trace` on `inputs` (of the traced signature): the model's outputs, as tensors of the
 * current scope, or null when it cannot run now (another backend, gradient recording, a held
 * tensor disposed, a kernel whose output differs in shape or dtype from the trace); then nothing
 * is left allocated and the caller runs the plan. The kernel functions are the ones registered
 * when the trace was made (Keras' traced functions keep theirs too); setKernelVariant and
 * setThreads change what they run, not which they are.
 */
export function replayTrace(trace: KernelTrace, inputs: readonly tf.Tensor[]): tf.Tensor[] | null {
  const engine = theEngine();
  if (!replayAllowed(engine) || tf.getBackend() !== trace.backendName || tf.backend() !== trace.backend) return null;
  const backend = trace.backend;
  // Slots hold the values not yet freed: exactly what releaseAll frees when the replay gives up.
  const values: (TensorInfo | tf.Tensor | undefined)[] = new Array(trace.slotCount);
  try {
    for (const step of trace.steps) {
      // The step's own inputs object (or list), refilled: adding keys to a new object on every
      // call was a fifth of the replay's own time.
      const sources = step.sources;
      const kernelInputs = step.kernelInputs;
      for (let i = 0; i < sources.length; i++) {
        const t = sourceValue(sources[i]!, inputs, values, trace.constants);
        if (!t) return releaseAll(backend, values);
        if (step.inputIsList) (kernelInputs as TensorInfo[])[i] = t;
        else (kernelInputs as Record<string, TensorInfo>)[step.inputNames[i]!] = t;
      }
      const out = step.kernelFunc({
        inputs: kernelInputs as unknown as tf.NamedTensorInfoMap,
        attrs: step.attrs,
        backend,
      });
      const outs = Array.isArray(out) ? out : [out];
      let matches = outs.length === step.outputs.length;
      for (let i = 0; i < outs.length; i++) {
        const o = outs[i]!;
        if (i >= step.outputs.length) {
          release(backend, o);
          continue;
        }
        values[step.outputs[i]!] = o;
        if (o.dtype !== step.outputDtypes[i] || !tf.util.arraysEqual(o.shape, step.outputShapes[i]!)) matches = false;
      }
      if (!matches) return releaseAll(backend, values);
      for (const s of step.frees) {
        release(backend, values[s]!);
        values[s] = undefined;
      }
    }
  } catch (e) {
    releaseAll(backend, values);
    throw e;
  }
  const outputs = new Array<tf.Tensor>(trace.outputSlots.length);
  for (let i = 0; i < outputs.length; i++) {
    const v = values[trace.outputSlots[i]!]!;
    outputs[i] = isTensor(v) ? v : engine.makeTensorFromTensorInfo(v, backend);
  }
  return outputs;
}

/** Frees what a trace holds on the backend (a training trace's constants). */
export function disposeTrace(trace: KernelTrace): void {
  for (const c of trace.constants) {
    if (c.info) trace.backend.disposeData(c.info.dataId);
    c.info = null;
  }
}

/** Attribute values equal: numbers by Object.is (NaN, -0), arrays and plain objects member by member. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || ArrayBuffer.isView(a) !== ArrayBuffer.isView(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(k => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/**
 * Whether two traces record the same computation: the same kernels with the same attributes, on
 * inputs from the same places (the same held tensors, constants of the same values), with
 * outputs of the same shapes. Two training steps that trace the same way ran code that did not
 * depend on anything that changed between them (a learning-rate schedule in a loss, a layer's
 * JavaScript state, Math.random in a constant would show here).
 */
export function sameTrace(a: KernelTrace, b: KernelTrace): boolean {
  if (a.backend !== b.backend || a.steps.length !== b.steps.length || a.slotCount !== b.slotCount) return false;
  if (!sameValue(a.outputSlots, b.outputSlots) || a.constants.length !== b.constants.length) return false;
  const constantsMatch = a.constants.every((c, i) => {
    const d = b.constants[i]!;
    return c.dtype === d.dtype && sameValue(c.shape, d.shape) && sameBytes(c.values, d.values);
  });
  if (!constantsMatch) return false;
  return a.steps.every((s, i) => {
    const t = b.steps[i]!;
    return (
      s.kernelName === t.kernelName &&
      s.kernelFunc === t.kernelFunc &&
      s.inputIsList === t.inputIsList &&
      sameValue(s.inputNames, t.inputNames) &&
      s.sources.length === t.sources.length &&
      s.sources.every((src, k) => {
        const other = t.sources[k]!;
        if (src.kind === 'held') return other.kind === 'held' && other.tensor === src.tensor;
        return sameValue(src, other);
      }) &&
      sameValue(s.attrs, t.attrs) &&
      sameValue(s.outputs, t.outputs) &&
      sameValue(s.outputShapes, t.outputShapes) &&
      sameValue(s.outputDtypes, t.outputDtypes) &&
      sameValue(s.frees, t.frees)
    );
  });
}
