// utils.plotModel: the model graph as Keras' plot_model draws it (model_to_dot): record-shaped
// nodes "name: Type", with an input/output shape table when showShapes, one edge per inbound
// connection. DOT is built here; SVG comes from @viz-js/viz (Graphviz compiled to wasm), loaded
// only when an SVG is asked for.
import type {Model} from './model.js';
import {inputShapeText, outputShapeText, nodesIn} from './summary.js';

export interface PlotOptions {
  /** Writes the drawing there (Node only); the format follows the extension (.svg, .dot/.gv). */
  toFile?: string;
  showShapes?: boolean;
  showLayerNames?: boolean;
  /** Graphviz rankdir: 'TB' (top to bottom, default) or 'LR'. */
  rankdir?: 'TB' | 'LR' | 'BT' | 'RL';
  /** 'svg' (default) or 'dot'. */
  format?: 'svg' | 'dot';
  dpi?: number;
}

/** Escapes text for a Graphviz record label inside a double-quoted string. */
function recordText(s: string): string {
  return s.replace(/([\\"{}|<>])/g, '\\$1');
}

/** Keras' model_to_dot as DOT text. */
export function modelToDot(model: Model, options: PlotOptions = {}): string {
  const {showShapes = false, showLayerNames = true, rankdir = 'TB', dpi = 96} = options;
  const {layers} = model.drawnGraph();
  const ids = new Map(layers.map((layer, i) => [layer, `n${i}`]));
  const lines = [
    'digraph G {',
    `  graph [rankdir=${rankdir}, concentrate=true, dpi=${dpi}];`,
    '  node [shape=record];',
  ];
  for (const layer of layers) {
    // Keras labels a wrapper with what it wraps: bidirectional(lstm): Bidirectional(LSTM).
    const wrapped = (layer as {wrapped?: {name: string; className: string}}).wrapped;
    const name = wrapped ? `${layer.name}(${wrapped.name})` : layer.name;
    const className = wrapped ? `${layer.getClassName()}(${wrapped.className})` : layer.getClassName();
    let label = recordText(showLayerNames ? `${name}: ${className}` : className);
    if (showShapes) {
      label = `${label}\\n|{input:|output:}|{{${recordText(inputShapeText(model, layer))}}|{${recordText(outputShapeText(model, layer))}}}`;
    }
    lines.push(`  ${ids.get(layer)} [label="${label}"];`);
  }
  const edges = new Set<string>();
  for (const layer of layers) {
    for (const node of nodesIn(model, layer)) {
      for (const t of node.inputs) {
        const edge = `  ${ids.get(t.sourceLayer)} -> ${ids.get(layer)};`;
        if (!edges.has(edge)) lines.push(edge);
        edges.add(edge);
      }
    }
  }
  lines.push('}', '');
  return lines.join('\n');
}

let vizInstance: Promise<{renderString(dot: string, options: {format: string; engine?: string}): string}> | null = null;

async function renderSvg(dot: string): Promise<string> {
  // Dynamic import: bundlers put Graphviz (1.5 MB) in a chunk of its own (esbuild with
  // `splitting: true`), which only a drawing loads; pages that never plot never fetch it.
  vizInstance ??= import('@viz-js/viz').then(
    m => m.instance(),
    (e: unknown) => {
      vizInstance = null; // a later call may find it (say, once it is installed or mapped)
      throw new Error(
        "plotModel: drawing an SVG needs the package '@viz-js/viz' (Graphviz), which could not be " +
          `loaded (${e instanceof Error ? e.message : String(e)}). Install it (npm install @viz-js/viz), or in a page ` +
          "without a bundler map '@viz-js/viz' to its dist/viz.js in the import map; format: 'dot' needs nothing.",
      );
    },
  );
  return (await vizInstance).renderString(dot, {format: 'svg', engine: 'dot'});
}

/**
 * Draws the model (SVG by default, or DOT) and returns the text; with `toFile`, also writes it
 * (Node only: `node:fs` is imported lazily so browser bundles do not need it).
 */
export async function plotModel(model: Model, options: PlotOptions = {}): Promise<string> {
  const format = options.format ?? (options.toFile && /\.(dot|gv)$/i.test(options.toFile) ? 'dot' : 'svg');
  if (format !== 'svg' && format !== 'dot')
    throw new Error(`plotModel: format must be 'svg' or 'dot', got '${format}'`);
  const dot = modelToDot(model, options);
  const text = format === 'dot' ? dot : await renderSvg(dot);
  if (options.toFile) {
    // A computed specifier keeps bundlers from resolving a Node built-in for the browser build.
    const fsModule = 'node:fs/promises';
    const fs = (await import(
      /* @vite-ignore */ /* webpackIgnore: true */ fsModule
    )) as typeof import('node:fs/promises');
    await fs.writeFile(options.toFile, text);
  }
  return text;
}
