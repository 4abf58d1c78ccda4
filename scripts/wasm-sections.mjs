// Reads a WebAssembly binary's sections: used by the build (to refuse a kernels module that
// would overwrite tfjs-backend-wasm's heap) and by the tests that prove the same property.

const SECTION_NAMES = [
  'custom',
  'type',
  'import',
  'function',
  'table',
  'memory',
  'global',
  'export',
  'start',
  'element',
  'code',
  'data',
  'datacount',
];

function readU32(bytes, pos) {
  let result = 0,
    shift = 0,
    byte;
  do {
    byte = bytes[pos++];
    result |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  return [result >>> 0, pos];
}

function readName(bytes, pos) {
  let len;
  [len, pos] = readU32(bytes, pos);
  return [new TextDecoder().decode(bytes.subarray(pos, pos + len)), pos + len];
}

/**
 * Parses the section list and the import section of a module.
 * @returns {{sections: {id:number,name:string,size:number}[], imports: {module:string,name:string,kind:number,shared?:boolean}[], dataSegments:number}}
 */
export function inspectWasm(bytes) {
  bytes = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('inspectWasm: not a WebAssembly binary (bad magic)');
  }
  const sections = [];
  const imports = [];
  let dataSegments = 0;
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++];
    let size;
    [size, pos] = readU32(bytes, pos);
    const end = pos + size;
    sections.push({id, name: SECTION_NAMES[id] ?? `unknown(${id})`, size});
    if (id === 2) {
      let count,
        p = pos;
      [count, p] = readU32(bytes, p);
      for (let i = 0; i < count; i++) {
        let module, name;
        [module, p] = readName(bytes, p);
        [name, p] = readName(bytes, p);
        const kind = bytes[p++];
        const entry = {module, name, kind};
        if (kind === 0) {
          [, p] = readU32(bytes, p);
        } // func: type index
        else if (kind === 1) {
          p++;
          const f = bytes[p++];
          [, p] = readU32(bytes, p);
          if (f & 1) [, p] = readU32(bytes, p);
        } else if (kind === 2) {
          // memory: limits
          const flags = bytes[p++];
          entry.shared = (flags & 2) !== 0;
          [entry.initial, p] = readU32(bytes, p);
          if (flags & 1) [entry.maximum, p] = readU32(bytes, p);
        } else if (kind === 3) {
          p += 2;
        } // global: type, mut
        imports.push(entry);
      }
    } else if (id === 11) {
      [dataSegments] = readU32(bytes, pos);
    }
    pos = end;
  }
  return {sections, imports, dataSegments};
}
