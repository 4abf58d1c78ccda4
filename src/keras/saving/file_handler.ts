// A `file://` IOHandler for Node. tfjs-core registers none (tfjs-node does), so without this
// `model.save('file://dir')` would have nowhere to go. It writes what tfjs-node's handler writes:
// `<dir>/model.json` (the model JSON with a weights manifest) and `<dir>/weights.bin`, so either
// library reads the other's files. A path ending in `.json` names the model.json itself (its
// weights then go to `<name>.weights.bin` beside it); anything else is a directory.
//
// node:fs is imported lazily through a variable, so a browser bundle never sees it.
import * as tf from '@tensorflow/tfjs-core';

const NODE_FS = 'node:fs/promises';
const NODE_PATH = 'node:path';
type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

export const FILE_SCHEME = 'file://';

export function isNode(): boolean {
  const p = (globalThis as {process?: {versions?: {node?: string}}}).process;
  return typeof p?.versions?.node === 'string';
}

/** Whether `url` is a plain path or a file:// URL (no other scheme): what the file handler takes in Node. */
export function isFilePath(url: string): boolean {
  return url.startsWith(FILE_SCHEME) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

/** The filesystem path of a `file://` URL or plain path. */
export function filePath(url: string): string {
  return url.startsWith(FILE_SCHEME) ? url.slice(FILE_SCHEME.length) : url;
}

async function node(): Promise<{fs: Fs; path: Path}> {
  return {fs: (await import(NODE_FS)) as Fs, path: (await import(NODE_PATH)) as Path};
}

/** Reads a whole file as bytes (Node); the error names the file. */
export async function readFileBytes(url: string, fn = 'loadModel'): Promise<Uint8Array> {
  const {fs} = await node();
  try {
    return new Uint8Array(await fs.readFile(filePath(url)));
  } catch (e) {
    throw new Error(`${fn}: cannot read '${filePath(url)}': ${(e as Error).message}`, {cause: e});
  }
}

/** Writes `bytes` to a `file://` URL or plain path (Node), making its directory. */
export async function writeFileBytes(url: string, bytes: Uint8Array, fn = 'model.save'): Promise<void> {
  const {fs, path} = await node();
  const file = filePath(url);
  try {
    await fs.mkdir(path.dirname(file), {recursive: true});
    await fs.writeFile(file, bytes);
  } catch (e) {
    throw new Error(`${fn}: cannot write '${file}': ${(e as Error).message}`, {cause: e});
  }
}

/** The model JSON tfjs writes (tfjs-core's getModelJSONForModelArtifacts, which it does not export). */
function modelJson(artifacts: tf.io.ModelArtifacts, manifest: tf.io.WeightsManifestConfig): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: manifest,
  };
  if (artifacts.signature != null) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer != null) json.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature != null) json.initializerSignature = artifacts.initializerSignature;
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  return json;
}

/**
 * tfjs-node's file layout as a tf.io handler: save writes model.json + weights.bin, load reads a
 * model.json (or a directory holding one) and the weight files its manifest lists. Errors name
 * the file.
 */
export function fileSystem(url: string, fn = 'loadModel'): tf.io.IOHandler {
  const target = filePath(url);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const {fs, path} = await node();
      const isJson = target.endsWith('.json');
      const dir = isJson ? path.dirname(target) : target;
      const jsonPath = isJson ? target : path.join(dir, 'model.json');
      const binName = isJson ? `${path.basename(target, '.json')}.weights.bin` : 'weights.bin';
      const data = artifacts.weightData ?? new ArrayBuffer(0);
      const bytes = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
      const manifest: tf.io.WeightsManifestConfig = [{paths: [binName], weights: artifacts.weightSpecs ?? []}];
      try {
        await fs.mkdir(dir, {recursive: true});
        await fs.writeFile(path.join(dir, binName), new Uint8Array(bytes));
        await fs.writeFile(jsonPath, JSON.stringify(modelJson(artifacts, manifest)));
      } catch (e) {
        throw new Error(`saving to '${target}': ${(e as Error).message}`, {cause: e});
      }
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? null).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: bytes.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const {fs, path} = await node();
      let jsonPath = target;
      if (!target.endsWith('.json')) {
        const stat = await fs.stat(target).catch(() => null);
        // A directory (or nothing yet: the error then names the model.json it looked for).
        if (!stat?.isFile()) jsonPath = path.join(target, 'model.json');
      }
      let text: string;
      try {
        text = await fs.readFile(jsonPath, 'utf8');
      } catch (e) {
        throw new Error(`${fn}: cannot read '${jsonPath}': ${(e as Error).message}`, {cause: e});
      }
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new Error(`${fn}: '${jsonPath}' is not JSON: ${(e as Error).message}`, {cause: e});
      }
      if (json == null || typeof json !== 'object' || Array.isArray(json))
        throw new Error(`${fn}: '${jsonPath}' does not hold a model JSON object`);
      const manifest = json.weightsManifest ?? [];
      if (!Array.isArray(manifest)) throw new Error(`${fn}: '${jsonPath}': weightsManifest is not a list`);
      return tf.io.getModelArtifactsForJSON(json, async groups => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of groups) {
          if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights))
            throw new Error(`${fn}: '${jsonPath}': a weightsManifest group lacks 'paths' or 'weights'`);
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = path.join(path.dirname(jsonPath), p);
            let b: Uint8Array;
            try {
              b = await fs.readFile(file);
            } catch (e) {
              throw new Error(
                `${fn}: cannot read weights file '${file}' (listed in '${jsonPath}'): ${(e as Error).message}`,
                {
                  cause: e,
                },
              );
            }
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

let registered = false;

/**
 * Registers the handler as tfjs' `file://` router, in Node only and only when none is registered
 * (tfjs-node has its own, which writes the same files). Idempotent.
 */
export function registerFileRouter(): void {
  if (registered || !isNode()) return;
  registered = true;
  const probe = `${FILE_SCHEME}probe`;
  // tfjs' routers return null for a URL they do not take (its IORouter type says IOHandler).
  const router = (url: string | string[]) =>
    (typeof url === 'string' && url.startsWith(FILE_SCHEME) ? fileSystem(url) : null) as tf.io.IOHandler;
  if (tf.io.getSaveHandlers(probe).length === 0) tf.io.registerSaveRouter(router);
  if (tf.io.getLoadHandlers(probe).length === 0) tf.io.registerLoadRouter(router);
}
