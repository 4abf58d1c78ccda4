// The 'browser' stage of npm test (test/run.mjs reads the last `N passed, N failed` line and the
// exit code). It bundles what the pages need into a temporary directory (the in-page suite with
// esbuild, the esbuild and Vite examples, the demo), serves them from 127.0.0.1, and drives
// Debian's chromium with playwright-core:
//   - the suite on an ordinary page (single-threaded tfjs-backend-wasm, ordinary memory) and on a
//     cross-origin-isolated one (COOP/COEP: threaded build, shared memory);
//   - the three examples of examples/browser (esbuild bundle, Vite build, import map), and that
//     both bundles keep @viz-js/viz in a lazy chunk of its own;
//   - a page whose tfjs-backend-wasm .wasm files are missing (the error must say what to do);
//   - chromium without SIMD (V8 told the CPU has no SSE4.1: WebAssembly SIMD does not validate);
//   - the demo: a short training and the SIMD benchmark, checked in the DOM and in screenshots
//     (the plot's lines and the bars are visible; a full-page one goes to test/results/).
// Chromium missing: the stage fails when CI is set, else it is skipped with the reason.
//
//   node test/browser/run.mjs            everything (needs `npm run build` first: it loads dist/)
//   node test/browser/run.mjs suite      only the cases whose name contains 'suite'
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as esbuild from 'esbuild';
import {buildDemo} from '../../demo/build.mjs';
import {findChromium, launchChromium, watchPage} from './chromium.mjs';
import {startServer} from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const filter = process.argv[2];
const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const started = Date.now();

const results = [];
function record(name, ok, message = '') {
  results.push({name, ok, message});
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `\n       ${message.replace(/\n/g, '\n       ')}`}`);
}
function finish() {
  const failed = results.filter(r => !r.ok).length;
  console.log(`browser stage took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

const executablePath = findChromium();
if (!executablePath) {
  const looked = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH}` : '/usr/bin/chromium';
  const why =
    `chromium not found (looked at ${looked}): install Debian's chromium with ` +
    '`apt-get install chromium` (.ci/run does) to run the browser tests';
  if (inCI) {
    record('chromium is installed', false, why);
    finish();
  }
  console.log(`SKIPPED the browser stage: ${why} (it fails instead when CI is set)`);
  console.log('0 passed, 0 failed');
  process.exit(0);
}
if (!fs.existsSync(path.join(root, 'dist/index.js'))) {
  record('dist/ is built', false, 'dist/index.js is missing: run `npm run build` first');
  finish();
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-browser-'));
process.on('exit', () => fs.rmSync(tmp, {recursive: true, force: true}));
const wasmDir = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');

function runNode(args) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, args, {cwd: root, env: {...process.env, FORCE_COLOR: '0'}});
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    child.on('exit', code => resolve({code, output}));
  });
}

const builds = {
  // 'tfjs-backend-as' resolves through package.json "exports" (a self-reference) to dist/,
  // exactly as it does for an app that installed the package.
  suite: async () => {
    const out = path.join(tmp, 'suite');
    await esbuild.build({
      entryPoints: [path.join(here, 'pages/suite.js')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      outfile: path.join(out, 'bundle.js'),
      logLevel: 'silent',
    });
    fs.copyFileSync(path.join(here, 'pages/index.html'), path.join(out, 'index.html'));
  },
  esbuild: async () => {
    const {code, output} = await runNode([
      path.join(root, 'examples/browser/esbuild/build.mjs'),
      path.join(tmp, 'esbuild'),
    ]);
    if (code !== 0) throw new Error(output);
  },
  vite: async () => {
    const {code, output} = await runNode([
      path.join(root, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      path.join(root, 'examples/browser/vite/vite.config.js'),
      '--outDir',
      path.join(tmp, 'vite'),
    ]);
    if (code !== 0) throw new Error(output);
  },
  demo: () => buildDemo(path.join(tmp, 'demo')),
};
const built = {};
await Promise.all(
  Object.entries(builds).map(async ([name, build]) => {
    try {
      await build();
      built[name] = true;
    } catch (e) {
      record(`build: ${name}`, false, String(e?.message ?? e));
    }
  }),
);

// Graphviz (@viz-js/viz, 1.5 MB) must reach a page only when a drawing is made: in both example
// builds it is a chunk of its own, never in the entry bundle. `viz_create_graph` is a name from
// viz.js' own code (an export of its wasm), so it appears only where viz.js is bundled.
function vizSplitCase(name, dir, isEntry) {
  const files = fs.readdirSync(dir, {recursive: true}).filter(f => f.endsWith('.js'));
  const withViz = files.filter(f => fs.readFileSync(path.join(dir, f), 'latin1').includes('viz_create_graph'));
  const entries = files.filter(isEntry);
  const sizes = files.map(f => `${f} ${fs.statSync(path.join(dir, f)).size} B`).join(', ');
  record(
    `${name}: @viz-js/viz is a lazy chunk, not in the entry bundle`,
    entries.length === 1 && withViz.length === 1 && !entries.includes(withViz[0]),
    `files: ${sizes}; with viz: ${withViz}`,
  );
}
if (built.esbuild) vizSplitCase('example esbuild', path.join(tmp, 'esbuild'), f => f === 'bundle.js');
if (built.vite) vizSplitCase('example vite', path.join(tmp, 'vite'), f => /^assets[\\/]index-[\w-]+\.js$/.test(f));

const server = await startServer({mounts: {'/': root, '/t': tmp, '/wasm': wasmDir}});

/** Opens `url` in a fresh context and returns the page and what it logged. */
async function open(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const watched = watchPage(page);
  await page.goto(server.origin + url);
  return {page, context, ...watched};
}

function noErrors(name, errors) {
  record(`${name}: no console errors or page errors`, errors.length === 0, errors.join('\n'));
}

/** The in-page suite: every check it reports becomes one test here. */
async function suiteCase(browser, name, url, {expectErrors = false} = {}) {
  if (!built.suite) return;
  const {page, context, errors} = await open(browser, url);
  try {
    const checks = await page.evaluate(() => window.__suite, undefined, {timeout: 90000});
    for (const check of checks) record(`${name}: ${check.name}`, check.ok, check.message);
    if (!expectErrors) noErrors(name, errors);
  } catch (e) {
    record(`${name}: the suite page ran`, false, `${e.message}\n${errors.join('\n')}`);
  } finally {
    await context.close();
  }
}

/** An example page: it writes its outcome to #out and sets body[data-status]. */
async function exampleCase(browser, name, url, isolated) {
  const {page, context, errors} = await open(browser, url);
  try {
    await page.waitForSelector('body[data-status]', {timeout: 30000});
    const status = await page.getAttribute('body', 'data-status');
    const text = await page.textContent('#out');
    const ok =
      status === 'ok' &&
      text.includes('backend: as') &&
      text.includes('matmul matches: true') &&
      text.includes(`shared memory: ${isolated}`) &&
      text.includes('kernels variant: relaxed-simd') &&
      text.includes('keras model predicts: [2,3]; plotModel drew an SVG');
    record(
      `${name}: runs 'as' (relaxed SIMD, shared memory ${isolated}), matMul matches, a Keras model predicts and is drawn`,
      ok,
      text,
    );
    noErrors(name, errors);
  } catch (e) {
    record(`${name}: the page ran`, false, `${e.message}\n${errors.join('\n')}`);
  } finally {
    await context.close();
  }
}

/**
 * The demo: the model drawing, a short training (10 steps) with its live plot, the SIMD
 * benchmark (quick) with its chart; screenshots show the lines and bars; a full-page one goes to test/results/.
 */
async function demoCase(browser, name, url, screenshot) {
  const context = await browser.newContext({viewport: {width: 1100, height: 1400}});
  const page = await context.newPage();
  const {errors} = watchPage(page);
  try {
    await page.goto(server.origin + url);
    await page.waitForSelector('body[data-ready]', {timeout: 60000});
    const ready = await page.getAttribute('body', 'data-ready');
    record(`${name}: the page loads on 'as'`, ready === 'true', `${await page.textContent('#error')}`);
    if (ready !== 'true') return;
    const drawing = await page.$eval('#model-drawing', div => ({
      svg: !!div.querySelector('svg'),
      text: div.textContent,
    }));
    record(
      `${name}: plotModel's drawing shows the seed's layers`,
      drawing.svg &&
        ['Reshape', 'Dense', 'MyDense', '(None, 500)', '(None, 100)', '(None, 10)'].every(s =>
          drawing.text.includes(s),
        ),
      drawing.text,
    );

    await page.click('#train');
    await page.waitForSelector('body[data-train=done], body[data-train=error]', {timeout: 90000});
    const trained = await page.evaluate(() => {
      const points = (document.querySelector('#plot polyline.loss')?.getAttribute('points') ?? '')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      const acc = (document.querySelector('#plot polyline.accuracy')?.getAttribute('points') ?? '')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      return {
        status: document.body.dataset.train,
        points: points.length,
        accuracyPoints: acc.length,
        dots: document.querySelectorAll('#plot circle.test-accuracy').length,
        ys: points.map(p => +p.split(',')[1]),
        text: document.getElementById('train-status').textContent,
        error: document.getElementById('error').textContent,
      };
    });
    // y grows downwards: a falling loss has a larger y at the end.
    const falls = trained.ys.length > 1 && trained.ys[trained.ys.length - 1] > trained.ys[0];
    record(
      `${name}: training draws the live plot (10 steps: 10 loss and accuracy points, 1 test accuracy dot; the loss falls)`,
      trained.status === 'done' &&
        trained.points === 10 &&
        trained.accuracyPoints === 10 &&
        trained.dots === 1 &&
        falls,
      JSON.stringify(trained),
    );

    await page.click('#bench');
    await page.waitForSelector('body[data-bench=done], body[data-bench=error]', {timeout: 90000});
    const bench = await page.evaluate(() => ({
      status: document.body.dataset.bench,
      bars: [...document.querySelectorAll('#chart rect.bar')].map(r => [
        r.dataset.label,
        +r.dataset.value,
        +r.getAttribute('height'),
      ]),
      rows: document.querySelectorAll('#bench-table tr').length - 1,
      error: document.getElementById('error').textContent,
    }));
    const labels = new Set(bench.bars.map(b => b[0]));
    record(
      `${name}: the SIMD benchmark draws 8 bars (2 products x scalar, SIMD, relaxed SIMD, tfjs-backend-wasm)`,
      bench.status === 'done' &&
        bench.bars.length === 8 &&
        labels.size === 4 &&
        bench.rows === 8 &&
        bench.bars.every(([, value, height]) => value > 0 && height > 0),
      JSON.stringify(bench),
    );
    fs.mkdirSync(path.join(root, 'test/results'), {recursive: true});
    await page.screenshot({path: path.join(root, 'test/results', screenshot), fullPage: true});
    // The DOM says what was drawn; the pixels say it is visible. Inside the plot's frame: the loss
    // line (red) and the accuracy line (blue); over the bars: each configuration's colour.
    const [red, blue] = await countColors(page, await page.locator('#plot > rect').first().screenshot(), [
      '#c0392b',
      '#2471a3',
    ]);
    record(
      `${name}: the screenshot shows the loss and accuracy lines`,
      red > 300 && blue > 300,
      `pixels: loss ${red}, accuracy ${blue}`,
    );
    // The bars' box within the chart (its legend below repeats the colours).
    const {bars, region} = await page.$eval('#chart', chart => {
      const origin = chart.getBoundingClientRect();
      const bars = [...chart.querySelectorAll('rect.bar')].map(r => {
        const b = r.getBoundingClientRect();
        return {
          fill: r.getAttribute('fill'),
          area: b.width * b.height,
          left: b.left - origin.left,
          top: b.top - origin.top,
          right: b.right - origin.left,
          bottom: b.bottom - origin.top,
        };
      });
      const left = Math.min(...bars.map(b => b.left)),
        top = Math.min(...bars.map(b => b.top));
      return {
        bars,
        region: {
          x: left,
          y: top,
          width: Math.max(...bars.map(b => b.right)) - left,
          height: Math.max(...bars.map(b => b.bottom)) - top,
        },
      };
    });
    const fills = [...new Set(bars.map(b => b.fill))];
    const seen = await countColors(page, await page.locator('#chart').screenshot(), fills, region);
    const expected = fills.map(f => bars.filter(b => b.fill === f).reduce((sum, b) => sum + b.area, 0));
    record(
      `${name}: the screenshot shows the benchmark's bars in ${fills.length} colours`,
      fills.length === 4 && seen.every((n, i) => n >= 0.8 * expected[i]),
      `pixels per colour ${seen}, bar areas ${expected.map(Math.round)}`,
    );
    noErrors(name, errors);
  } catch (e) {
    record(`${name}: the demo ran`, false, `${e.message}\n${errors.join('\n')}`);
  } finally {
    await context.close();
  }
}

/**
 * Pixels of a PNG (a screenshot), or of its `region` {x, y, width, height}, within 24 per channel
 * of each colour (#rrggbb); the page decodes it.
 */
function countColors(page, png, colors, region = null) {
  return page.evaluate(
    async ({data, colors, region}) => {
      const image = new Image();
      image.src = `data:image/png;base64,${data}`;
      await image.decode();
      const canvas = new OffscreenCanvas(image.width, image.height);
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const {x, y, width, height} = region ?? {x: 0, y: 0, width: image.width, height: image.height};
      const pixels = context.getImageData(Math.floor(x), Math.floor(y), Math.ceil(width), Math.ceil(height)).data;
      const targets = colors.map(c => [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16)));
      const counts = colors.map(() => 0);
      for (let i = 0; i < pixels.length; i += 4) {
        targets.forEach(([r, g, b], k) => {
          if (Math.abs(pixels[i] - r) <= 24 && Math.abs(pixels[i + 1] - g) <= 24 && Math.abs(pixels[i + 2] - b) <= 24)
            counts[k]++;
        });
      }
      return counts;
    },
    {data: png.toString('base64'), colors, region},
  );
}

const cases = [
  ['suite plain', b => suiteCase(b, 'suite plain', '/t/suite/index.html?wasm=/wasm/')],
  ['suite isolated', b => suiteCase(b, 'suite isolated', '/coi/t/suite/index.html?wasm=/wasm/')],
  [
    'suite missing wasm plain',
    b =>
      suiteCase(b, 'missing .wasm plain', '/t/suite/index.html?wasm=/no-such-dir/&mode=missing', {expectErrors: true}),
  ],
  [
    'suite missing wasm isolated',
    b =>
      suiteCase(b, 'missing .wasm isolated', '/coi/t/suite/index.html?wasm=/no-such-dir/&mode=missing', {
        expectErrors: true,
      }),
  ],
  [
    'example esbuild plain',
    b => built.esbuild && exampleCase(b, 'example esbuild plain', '/t/esbuild/index.html', false),
  ],
  [
    'example esbuild isolated',
    b => built.esbuild && exampleCase(b, 'example esbuild isolated', '/coi/t/esbuild/index.html', true),
  ],
  ['example vite plain', b => built.vite && exampleCase(b, 'example vite plain', '/t/vite/index.html', false)],
  ['example vite isolated', b => built.vite && exampleCase(b, 'example vite isolated', '/coi/t/vite/index.html', true)],
  [
    'example importmap plain',
    b => exampleCase(b, 'example importmap plain', '/examples/browser/importmap/index.html', false),
  ],
  [
    'example importmap isolated',
    b => exampleCase(b, 'example importmap isolated', '/coi/examples/browser/importmap/index.html', true),
  ],
  [
    'demo plain',
    b => built.demo && demoCase(b, 'demo plain', '/t/demo/index.html?epochs=1&train=640&quick=1', 'demo-plain.png'),
  ],
  [
    'demo isolated',
    b =>
      built.demo &&
      demoCase(b, 'demo isolated', '/coi/t/demo/index.html?epochs=1&train=640&quick=1', 'demo-isolated.png'),
  ],
];
// V8 believes the CPU lacks SSE4.1, so WebAssembly SIMD really does not validate (and
// tfjs-backend-wasm falls back to its plain build too): a browser without SIMD.
const noSimdCases = [
  ['suite no SIMD plain', b => suiteCase(b, 'no SIMD plain', '/t/suite/index.html?wasm=/wasm/&mode=nosimd')],
  ['suite no SIMD isolated', b => suiteCase(b, 'no SIMD isolated', '/coi/t/suite/index.html?wasm=/wasm/&mode=nosimd')],
];

async function runCases(list, extraArgs) {
  const selected = list.filter(([name]) => !filter || name.includes(filter));
  if (!selected.length) return;
  let browser;
  try {
    browser = await launchChromium(executablePath, extraArgs);
  } catch (e) {
    record(`chromium launches${extraArgs.length ? ` with ${extraArgs.join(' ')}` : ''}`, false, e.message);
    return;
  }
  try {
    for (const [, run] of selected) await run(browser);
  } finally {
    await browser.close();
  }
}

try {
  await runCases(cases, []);
  await runCases(noSimdCases, ['--js-flags=--no-enable-sse4-1']);
} finally {
  await server.close();
}
finish();
