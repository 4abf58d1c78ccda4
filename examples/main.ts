// npm start (first version): which kernels build runs, and one fused dense layer timed on 'as'
// and on 'wasm' side by side. The MNIST training demo replaces this.
import * as tf from '@tensorflow/tfjs-core';
import {backendInfo} from 'tfjs-backend-as';

const a = () => tf.randomNormal([64, 784]), w = () => tf.randomNormal([784, 500]), bias = () => tf.randomNormal([500]);

async function time(backend: string): Promise<number> {
  await tf.setBackend(backend);
  const [x, k, b] = [a(), w(), bias()];
  const samples: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    const y = tf.fused.matMul({a: x, b: k, bias: b, activation: 'relu'});
    y.dataSync();
    samples.push(performance.now() - t0);
    y.dispose();
  }
  tf.dispose([x, k, b]);
  samples.sort((p, q) => p - q);
  return samples[samples.length >> 1];
}

await tf.setBackend('as');
console.log('backendInfo():', backendInfo());
const ms: Record<string, number> = {};
for (let round = 0; round < 3; round++) for (const name of ['as', 'wasm']) ms[name] = Math.min(ms[name] ?? Infinity, await time(name));
console.log(`fused dense [64,784]x[784,500]+bias+relu: 'as' ${ms.as.toFixed(3)} ms, 'wasm' ${ms.wasm.toFixed(3)} ms (median; ${(ms.wasm / ms.as).toFixed(2)}x)`);
