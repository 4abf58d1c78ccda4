// fit's traced training step: the forward pass, the losses and tfjs' backward pass of a step
// (what tf.variableGrads runs) recorded as a kernel trace (../kernel_trace.ts) and from then on
// replayed, as Keras' fit runs a traced train_function. The optimizer's update is not in the
// trace: it runs as before on the replayed gradients (a learning-rate schedule or a tf.Optimizer
// subclass sees every step).
//
// Why: the seed's MLP spends ~0.6 ms of a ~4 ms step outside its kernels: tfjs' gradient tape,
// the engine's copies of every tensor it saves for the backward pass (~20 Identity kernels),
// scopes, the Keras layer calls. A replay calls the ~45 kernels' functions and nothing else.
//
// When, per input signature (the batch's shapes; an epoch's shorter last batch has its own) and
// list of trained weights:
//   1. the first step runs eagerly and is recorded (kernel_trace.ts says when a run is
//      replayable: no random kernels, no reads, no Variable.assign, every kernel input from a
//      known place);
//   2. the second step runs eagerly and is recorded again, and the first trace is replayed on the
//      same batch and weights: the two traces must be the same (same kernels, attributes,
//      held tensors and constants: code that depends on something that changes from step to step
//      shows here) and the replay must give the eager step's loss, logged values and gradients
//      bit for bit;
//   3. from the third step on, the trace is replayed (eagerly again whenever a replay cannot run:
//      gradient recording around fit, tf.profile, DEBUG, another backend, a held tensor disposed).
// A signature that fails 1 or 2 runs eagerly for the rest of the fit call. The traces stay with
// the compiled model (compile again, or dispose, drops them), as Keras keeps its train function:
// the first step of each later fit call runs eagerly once more and must trace the same as before
// (the same held tensors: a weight replaced by a new variable shows here), or the trace is made
// anew. As in Keras, a trace does not see JavaScript state a layer or loss reads and changes
// later (change it through a tf.Variable, or compile with runEagerly: true).
import type * as tf from '@tensorflow/tfjs-core';
import {disposeTrace, type KernelTrace, replayTrace, reproduces, sameTrace, traceRun} from '../kernel_trace.js';

/** What one step's gradient pass gives the optimizer and the logs. */
export interface StepGradients {
  total: tf.Scalar;
  logged: tf.Tensor1D;
  grads: tf.NamedTensorMap;
}

type TraceState =
  | {kind: 'candidate'; trace: KernelTrace; gradNames: string[]}
  | {kind: 'replaying'; trace: KernelTrace; gradNames: string[]}
  /** Verified in an earlier fit call: the first step of this one must trace the same. */
  | {kind: 'revalidate'; trace: KernelTrace; gradNames: string[]}
  | {kind: 'eager'};

const signature = (inputs: readonly tf.Tensor[]) => inputs.map(t => `${t.dtype}[${t.shape}]`).join(' ');

/** A compiled model's training steps, by input signature and trained weights. */
export class StepTraces {
  private readonly states = new Map<string, TraceState>();
  private enabled = true;
  private weightsKey = '';
  /** Steps replayed so far (tests, benchmarks). */
  replays = 0;

  /**
   * A fit call starts: it trains `vars`; `enabled` false (compile's runEagerly) runs every step
   * eagerly. Traces verified before are checked once more; signatures that could not be traced
   * get another try.
   */
  beginFit(vars: readonly tf.Variable[], enabled: boolean): void {
    this.enabled = enabled;
    this.weightsKey = vars.map(v => v.id).join(',');
    for (const [key, state] of this.states) {
      if (state.kind === 'replaying') this.states.set(key, {...state, kind: 'revalidate'});
      else if (state.kind === 'eager') this.states.delete(key);
    }
  }

  /**
   * One step's loss, logged values and gradients on `inputs` (the batch's tensors, in the same
   * order every step): replayed, or `eager()` (tf.variableGrads over the loss), traced while a
   * trace is being made and checked.
   */
  run(inputs: readonly tf.Tensor[], eager: () => StepGradients): StepGradients {
    if (!this.enabled) return eager();
    const key = `${signature(inputs)} / ${this.weightsKey}`;
    const state = this.states.get(key);
    if (state?.kind === 'eager') return eager();
    if (state?.kind === 'replaying') {
      const replayed = replayTrace(state.trace, inputs);
      if (!replayed) return eager();
      this.replays++;
      return unflatten(replayed, state.gradNames);
    }
    let gradNames: string[] = [];
    const {outputs, trace} = traceRun(
      inputs,
      () => {
        const r = eager();
        gradNames = Object.keys(r.grads);
        return [r.total, r.logged, ...gradNames.map(n => r.grads[n]!)];
      },
      {training: true},
    );
    const result = unflatten(outputs, gradNames);
    const sameAs = (s: {trace: KernelTrace; gradNames: string[]}) =>
      trace !== null && sameTrace(s.trace, trace) && s.gradNames.join('\n') === gradNames.join('\n');
    if (!state) {
      this.states.set(key, trace ? {kind: 'candidate', trace, gradNames} : {kind: 'eager'});
    } else if (state.kind === 'candidate') {
      // The second step: the same trace again, and the first one's replay gives this step's values.
      const verified = sameAs(state) && reproduces(state.trace, inputs, outputs);
      if (trace) disposeTrace(trace);
      if (verified) {
        this.states.set(key, {...state, kind: 'replaying'});
      } else {
        disposeTrace(state.trace);
        this.states.set(key, {kind: 'eager'});
      }
    } else {
      // A later fit call's first step: verified before, it must trace the same now.
      const same = sameAs(state);
      if (same) {
        if (trace) disposeTrace(trace);
        this.states.set(key, {...state, kind: 'replaying'});
      } else {
        disposeTrace(state.trace);
        this.states.set(key, trace ? {kind: 'candidate', trace, gradNames} : {kind: 'eager'});
      }
    }
    return result;
  }

  /** Frees the traces' constants (compile again, model.dispose). */
  dispose(): void {
    for (const state of this.states.values()) if (state.kind !== 'eager') disposeTrace(state.trace);
    this.states.clear();
  }
}

function unflatten(outputs: tf.Tensor[], gradNames: string[]): StepGradients {
  const grads: tf.NamedTensorMap = {};
  gradNames.forEach((name, i) => {
    grads[name] = outputs[2 + i]!;
  });
  return {total: outputs[0] as tf.Scalar, logged: outputs[1] as tf.Tensor1D, grads};
}
