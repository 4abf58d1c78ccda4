// The registry of custom layers and functions, Keras' `register_keras_serializable` and
// `custom_objects`: a saved config names classes and functions, and loading looks those names
// up here. Built-in layers are known by the deserializer itself (serialize.ts); this file holds
// what the user adds. Lookups made while a load runs also see that load's `customObjects`
// (Keras' custom_object_scope), so an activation, initializer or regularizer deep inside a
// layer's config resolves the same way the layer class does.
import type {Layer} from '../layer.js';

/** A layer class as the registry keeps it: a constructor, optionally with `fromConfig`. */
export type LayerClass = (abstract new (
  // biome-ignore lint/suspicious/noExplicitAny: custom layers' constructors take anything (MyDense(units))
  ...args: any[]
) => Layer) & {
  fromConfig?: (config: Record<string, unknown>) => Layer;
  className?: string;
  readonly name: string;
};

/** A function a config can name: a Lambda's function, an activation, an initializer, a regularizer. */
// biome-ignore lint/suspicious/noExplicitAny: registered functions have every signature
export type RegisteredFunction = (...args: any[]) => any;

/** What `loadModel`/`deserializeModel` accept as `customObjects`: classes and functions by name. */
export type CustomObjects = Record<string, LayerClass | RegisteredFunction>;

// Keras' default package for register_keras_serializable(): what it writes before the '>' of a
// registered name ('Custom>MyDense'), so that a file we write names classes as Keras would.
const DEFAULT_PACKAGE = 'Custom';

const layers = new Map<string, LayerClass>();
const layerNames = new Map<LayerClass, string>();
const functions = new Map<string, RegisteredFunction>();
const functionNames = new Map<RegisteredFunction, string>();
const scopes: CustomObjects[] = [];

function isClass(x: unknown): x is LayerClass {
  return typeof x === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(x));
}

/** The name a class is shown by: its static className when it sets its own, else its JS name. */
export function classNameOf(cls: LayerClass): string {
  return Object.hasOwn(cls, 'className') && cls.className ? cls.className : cls.name;
}

/** 'MyDense' -> 'Custom>MyDense'; a name that already has a package stays as it is. */
export function packaged(name: string): string {
  return name.includes('>') ? name : `${DEFAULT_PACKAGE}>${name}`;
}

/** The part of a registered name after the package: 'pkg>MyDense' -> 'MyDense'. */
function bare(name: string): string {
  const i = name.lastIndexOf('>');
  return i >= 0 ? name.slice(i + 1) : name;
}

/**
 * Registers a custom layer class so that saved models can name it and loading can find it
 * (Keras' `@register_keras_serializable`). `name` defaults to the class name; a name without a
 * package is saved as Keras saves it, 'Custom>' + name. Returns the class, so it also works as a
 * class decorator: `@registerLayer class MyDense extends Layer {...}`.
 */
export function registerLayer<C extends LayerClass>(cls: C, name?: string | ClassDecoratorContext): C {
  // As a decorator the second argument is the decorator context, not a name.
  if (typeof name === 'object' && name !== null) name = undefined;
  if (typeof cls !== 'function')
    throw new Error(`registerLayer: expected a Layer subclass, got ${cls === null ? 'null' : typeof cls}`);
  const key = name ?? classNameOf(cls);
  if (typeof key !== 'string' || key.length === 0)
    throw new Error(`registerLayer: the name must be a non-empty string, got ${JSON.stringify(name)}`);
  const other = layers.get(bare(key));
  if (other && other !== cls)
    throw new Error(
      `registerLayer: the name '${key}' is already registered for another class (${classNameOf(other)}); give this one another name: registerLayer(${classNameOf(cls)}, 'OtherName')`,
    );
  layers.set(bare(key), cls);
  layers.set(packaged(key), cls);
  layerNames.set(cls, packaged(key));
  return cls;
}

/**
 * Registers a function under `name`: a Lambda's function (saved by that name, since JavaScript
 * functions cannot be saved as code), or a custom activation, initializer or regularizer.
 */
export function registerFunction<F extends RegisteredFunction>(name: string, fn: F): F {
  if (typeof name !== 'string' || name.length === 0)
    throw new Error(`registerFunction: the name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof fn !== 'function')
    throw new Error(`registerFunction('${name}'): expected a function, got ${fn === null ? 'null' : typeof fn}`);
  const other = functions.get(bare(name));
  if (other && other !== fn)
    throw new Error(`registerFunction: the name '${name}' is already registered for another function`);
  functions.set(bare(name), fn);
  functions.set(packaged(name), fn);
  functionNames.set(fn, packaged(name));
  return fn;
}

/** The registered name of a custom layer class ('Custom>MyDense'), or null when unregistered. */
export function registeredLayerName(cls: LayerClass): string | null {
  return layerNames.get(cls) ?? null;
}

/** The registered name of a function ('Custom>myLayer'), or null when unregistered. */
export function registeredFunctionName(fn: unknown): string | null {
  return typeof fn === 'function' ? (functionNames.get(fn as RegisteredFunction) ?? null) : null;
}

/** Runs `fn` with `customObjects` visible to every lookup (Keras' custom_object_scope). */
export function withCustomObjects<T>(customObjects: CustomObjects | undefined, fn: () => T): T {
  if (customObjects != null && (typeof customObjects !== 'object' || Array.isArray(customObjects)))
    throw new Error(
      `customObjects must be a record of classes and functions by name ({MyDense, myLayer}), got ${Array.isArray(customObjects) ? 'an array' : typeof customObjects}`,
    );
  scopes.push(customObjects ?? {});
  try {
    return fn();
  } finally {
    scopes.pop();
  }
}

/** Looks `names` up in the customObjects in scope (innermost first), by full and by bare name. */
function inScope(names: string[], want: (x: unknown) => boolean): unknown {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const scope = scopes[i]!;
    for (const n of names) {
      for (const key of [n, bare(n)]) {
        const v = Object.hasOwn(scope, key) ? scope[key] : undefined;
        if (v !== undefined && want(v)) return v;
      }
    }
    // A class given as {MyDense} under another key still counts by its own name.
    for (const v of Object.values(scope))
      if (isClass(v) && want(v) && names.some(n => bare(n) === classNameOf(v))) return v;
  }
  return undefined;
}

/** A custom layer class by its saved names (registered_name, class_name): customObjects first. */
export function findLayerClass(className: string, registeredName?: string | null): LayerClass | null {
  const names = [registeredName, className].filter((n): n is string => typeof n === 'string' && n.length > 0);
  const scoped = inScope(names, v => typeof v === 'function');
  if (scoped) return scoped as LayerClass;
  for (const n of names) {
    const found = layers.get(n) ?? layers.get(bare(n));
    if (found) return found;
  }
  return null;
}

/** A function by its saved name: customObjects first, then registerFunction's registry. */
export function findFunction(name: string): RegisteredFunction | null {
  const scoped = inScope([name], v => typeof v === 'function' && !isClass(v));
  if (scoped) return scoped as RegisteredFunction;
  return functions.get(name) ?? functions.get(bare(name)) ?? null;
}

/** The custom layer names registered now and given in the customObjects in scope. */
export function customLayerNames(): string[] {
  const fromScopes = scopes.flatMap(s =>
    Object.entries(s)
      .filter(([, v]) => isClass(v))
      .map(([k]) => k),
  );
  return [...new Set([...[...layers.keys()].filter(k => !k.includes('>')), ...fromScopes])];
}
