// The gradient of tfjs-core's 'Einsum' kernel, which tfjs-core 4.22 does not register (tf.einsum
// cannot be trained on any backend without it). For y = einsum('A,B->C', a, b):
//   da = einsum('C,B->A', dy, b) and db = einsum('A,C->B', a, dy),
// where the labels of A that neither C nor B has (summed out of a alone) are left out of the
// gradient's equation and restored by broadcasting: y does not depend on where in those
// dimensions a value is, so each element gets the same gradient. Registered only if no gradient
// for 'Einsum' exists yet (a later tfjs-core may bring its own).
import * as tf from '@tensorflow/tfjs-core';

function einsumGradient(dy: tf.Tensor, saved: tf.Tensor[], equation: string): Record<string, () => tf.Tensor> {
  const [inputs = '', output = ''] = equation.replace(/\s/g, '').split('->');
  const terms = inputs.split(',');
  const grads: Record<string, () => tf.Tensor> = {};
  terms.forEach((term, i) => {
    grads[i] = () => {
      const others = terms.filter((_, j) => j !== i),
        otherTensors = saved.filter((_, j) => j !== i);
      const kept = [...term].filter(l => output.includes(l) || others.some(o => o.includes(l)));
      const g = tf.einsum(`${[output, ...others].join(',')}->${kept.join('')}`, dy, ...otherTensors);
      if (kept.length === term.length) return g;
      const x = saved[i]!;
      const withOnes = [...term].map((l, axis) => (kept.includes(l) ? x.shape[axis]! : 1));
      return tf.broadcastTo(tf.reshape(g, withOnes), x.shape);
    };
  });
  return grads;
}

if (tf.getGradient(tf.Einsum) == null) {
  tf.registerGradient({
    kernelName: tf.Einsum,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) =>
      einsumGradient(dy as tf.Tensor, saved, (attrs as unknown as tf.EinsumAttrs).equation),
  });
}
