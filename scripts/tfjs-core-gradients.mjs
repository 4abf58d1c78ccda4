// tfjs-core's gradient configs, registered against the user's own @tensorflow/tfjs-core.
//
// tfjs-core's Node bundle registers no gradients, and its gradient configs
// (dist/gradients/*_grad.js) import tfjs-core's internals (`../ops/mul`, `../kernel_names`,
// `../util`, `../engine`, ...). Bundling them as they are drags a second tfjs-core into our
// bundle (~340 kB minified, its Engine class included). Instead this esbuild plugin rewrites
// every internal import of those files to the public API of `@tensorflow/tfjs-core`, which stays
// external: the configs then call the user's own ops and register into the user's own registry.
// The few ops the configs need that tfjs-core does not export (the pooling and convolution
// backprops: conv2DBackpropFilter, maxPoolGrad, ...) are bundled from tfjs-core's source, their
// imports rewritten the same way: they are thin wrappers over ENGINE.runKernel.
//
// Every rewritten name is checked against the public API at build time, so a tfjs-core release
// that moves one fails the build with the name, instead of registering a broken gradient.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const CORE = '@tensorflow/tfjs-core';

/** Where each internal module's exports live in the public API ('' = the top level). */
const PUBLIC_HOME = {
  'kernel_names.js': '',
  'base.js': '',
  'kernel_registry.js': '',
  'ops/operation.js': '',
  'util.js': 'util',
  'ops/axis_util.js': 'backend_util',
  'ops/conv_util.js': 'backend_util',
  'ops/selu_util.js': 'backend_util',
  'ops/broadcast_util.js': 'broadcast_util',
  'ops/slice_util.js': 'slice_util',
};

/**
 * Internal modules with no public counterpart, replaced by code on the public API.
 * `ENGINE` is the object `tf.engine()` returns. `convertToTensor` is what every public op does
 * to its arguments; the bundled backprop ops call it on the tensors a gradient passes them.
 */
const REPLACEMENTS = {
  'engine.js': names => {
    if (names.join() !== 'ENGINE')
      throw new Error(`tfjs-core-gradients: engine.js imported for ${names}; only ENGINE is mapped (to tf.engine())`);
    return `import { engine as __engine } from '${CORE}';\nconst ENGINE = __engine();`;
  },
  'tensor_util_env.js': names => {
    if (names.join() !== 'convertToTensor')
      throw new Error(`tfjs-core-gradients: tensor_util_env.js imported for ${names}; only convertToTensor is mapped`);
    return `import { Tensor as __Tensor, tensor as __tensor } from '${CORE}';
function convertToTensor(x, argName, functionName, parseAsDtype = 'numeric') {
  const t = x instanceof __Tensor ? x : __tensor(x, undefined, parseAsDtype === 'numeric' || parseAsDtype === 'string_or_numeric' ? undefined : parseAsDtype);
  if (parseAsDtype === 'numeric' && t.dtype === 'string' || parseAsDtype !== 'numeric' && parseAsDtype !== 'string_or_numeric' && t.dtype !== parseAsDtype) {
    throw new Error(\`Argument '\${argName}' passed to '\${functionName}' must be \${parseAsDtype} tensor, but got \${t.dtype} tensor\`);
  }
  return t;
}`;
  },
};

/**
 * The esbuild plugin. `coreDist` is tfjs-core's dist directory; `bundled` collects (relative to
 * it) the tfjs-core files that end up in the bundle, for the caller's check.
 */
export function tfjsCoreGradients(coreDist, bundled = new Set()) {
  const tf = require(CORE);
  const publicNames = home => {
    const ns = home === '' ? tf : tf[home];
    if (!ns) throw new Error(`tfjs-core-gradients: @tensorflow/tfjs-core has no public '${home}' namespace`);
    return ns;
  };
  let counter = 0;

  /** Rewrites one `import ... from 'spec'` of `file` (a tfjs-core file being bundled). */
  function rewrite(file, clause, spec, body) {
    const target = `${path
      .relative(coreDist, path.resolve(path.dirname(file), spec))
      .split(path.sep)
      .join('/')}.js`;
    const where = `${path.relative(coreDist, file)}: import ${clause} from '${spec}'`;
    const namespace = /^\*\s+as\s+(\w+)$/.exec(clause)?.[1];
    const named = namespace
      ? []
      : /^\{([^}]*)\}$/
          .exec(clause)?.[1]
          .split(',')
          .map(s => s.trim())
          .filter(Boolean);
    if (!namespace && !named) throw new Error(`tfjs-core-gradients: unexpected import form in ${where}`);
    if (named?.some(n => /\s/.test(n)))
      throw new Error(`tfjs-core-gradients: renamed imports are not handled: ${where}`);
    if (target.startsWith('gradients/')) return null; // another config or its helper: bundled
    if (target in REPLACEMENTS) {
      if (namespace) throw new Error(`tfjs-core-gradients: namespace import of a replaced module: ${where}`);
      return REPLACEMENTS[target](named);
    }
    let home = PUBLIC_HOME[target];
    if (home === undefined && target.startsWith('ops/') && named?.every(n => n in tf)) home = '';
    if (home === undefined) {
      // An op tfjs-core does not export (the backprops): bundle its source, rewritten the same way.
      if (target.startsWith('ops/') && fs.existsSync(path.join(coreDist, target))) return null;
      throw new Error(
        `tfjs-core-gradients: no public home for tfjs-core's '${target}' (${where}); map it in scripts/tfjs-core-gradients.mjs`,
      );
    }
    const ns = publicNames(home);
    const used = namespace
      ? [...new Set([...body.matchAll(new RegExp(`\\b${namespace}\\.(\\w+)`, 'g'))].map(m => m[1]))]
      : named;
    const missing = used.filter(n => !(n in ns));
    if (missing.length)
      throw new Error(
        `tfjs-core-gradients: ${missing.join(', ')} not in the public tf${home ? `.${home}` : ''} (${where})`,
      );
    if (home === '')
      return namespace ? `import * as ${namespace} from '${CORE}';` : `import { ${named.join(', ')} } from '${CORE}';`;
    if (namespace) return `import { ${home} as ${namespace} } from '${CORE}';`;
    const local = `__${home}${counter++}`;
    return `import { ${home} as ${local} } from '${CORE}';\nconst { ${named.join(', ')} } = ${local};`;
  }

  return {
    name: 'tfjs-core-gradients',
    setup(build) {
      build.onLoad({filter: /\.js$/}, args => {
        if (!args.path.startsWith(coreDist + path.sep)) return undefined;
        bundled.add(path.relative(coreDist, args.path).split(path.sep).join('/'));
        const source = fs.readFileSync(args.path, 'utf8');
        const body = source.replace(/^import\s[^;]*;/gm, '');
        const contents = source.replace(/^import\s+([^;]+?)\s+from\s+'([^']+)';/gm, (statement, clause, spec) => {
          if (!spec.startsWith('.')) throw new Error(`tfjs-core-gradients: ${args.path} imports '${spec}'`);
          return rewrite(args.path, clause.trim(), spec, body) ?? statement;
        });
        const left = /^import\s[^;]*;/m.exec(
          contents.replace(/^import\s+[^;]+?\s+from\s+'(\.[^']+|@tensorflow\/tfjs-core)';/gm, ''),
        );
        if (left) throw new Error(`tfjs-core-gradients: unhandled import in ${args.path}: ${left[0]}`);
        return {contents, loader: 'js', resolveDir: path.dirname(args.path)};
      });
    },
  };
}
