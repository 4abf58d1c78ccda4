// What every browser example does once tfjs-core, tfjs-backend-wasm and tfjs-backend-as are
// loaded (however they were loaded): switch to 'as', multiply two small matrices, compare with
// a plain JS product, run and draw a small Keras-style model, and print what ran. The page's <body data-status> becomes 'ok' or
// 'error' so a test (test/browser/run.mjs) can read the outcome.

/**
 * Then a small functional model from tfjs-backend-as/keras predicts, and utils.plotModel draws it.
 * @param {typeof import('@tensorflow/tfjs-core')} tf
 * @param {typeof import('tfjs-backend-as')} as
 * @param {typeof import('tfjs-backend-as/keras')} keras
 */
export async function runExample(tf, as, keras) {
  const out = document.getElementById('out');
  const show = text => {
    out.textContent = text;
  };
  try {
    await tf.setBackend('as');
    const [m, k, n] = [37, 53, 29]; // odd sizes: the kernels' edge paths run too
    const a = Float32Array.from({length: m * k}, (_, i) => Math.sin(i));
    const b = Float32Array.from({length: k * n}, (_, i) => Math.cos(i));
    const c = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])));
    const got = await c.data();
    c.dispose();
    let maxError = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[i * k + p] * b[p * n + j];
        maxError = Math.max(maxError, Math.abs(sum - got[i * n + j]));
      }
    }
    const {input, layers, Model, utils} = keras;
    const x = input({shape: [4]});
    const y = layers
      .dense({units: 3, activation: 'softmax'})
      .apply(layers.dense({units: 8, activation: 'relu'}).apply(x));
    const model = new Model({inputs: x, outputs: y});
    const prediction = model.predict(tf.ones([2, 4]));
    const predictedShape = JSON.stringify(prediction.shape);
    prediction.dispose();
    const drawing = await utils.plotModel(model, {showShapes: true});
    document.getElementById('model').innerHTML = drawing;
    const info = as.backendInfo();
    show(
      [
        `backend: ${tf.getBackend()}`,
        `kernels variant: ${info.variant} (SIMD ${info.simd}, relaxed SIMD ${info.relaxedSimd})`,
        `shared memory: ${info.sharedMemory} (crossOriginIsolated ${self.crossOriginIsolated})`,
        `AssemblyScript kernels: ${info.kernels.join(', ')}`,
        `matMul [${m},${k}]x[${k},${n}] max |error| vs JS: ${maxError.toExponential(2)}`,
        `matmul matches: ${maxError < 1e-3}`,
        `keras model predicts: ${predictedShape}; plotModel drew ${drawing.startsWith('<svg') || drawing.includes('<svg') ? 'an SVG' : 'nothing'}`,
      ].join('\n'),
    );
    document.body.dataset.status = maxError < 1e-3 ? 'ok' : 'error';
  } catch (e) {
    show(`error: ${e?.message || e}`);
    document.body.dataset.status = 'error';
    throw e;
  }
}
