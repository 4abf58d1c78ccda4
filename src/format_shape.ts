/**
 * How every error message of this package prints a shape: `[64,784]`, `[null,784]` for a Keras
 * shape with an unknown batch, `[[2,3], [3]]` for a list of shapes. Dependency-free, so that the
 * kernels, the ops, the allocation path and the Keras API share it without importing each other.
 */
export function formatShape(shape: readonly (number | null)[] | readonly (readonly (number | null)[])[]): string {
  if (shape.length > 0 && Array.isArray(shape[0])) {
    return `[${(shape as (number | null)[][]).map(s => formatShape(s)).join(', ')}]`;
  }
  return `[${(shape as (number | null)[]).map(d => (d == null ? 'null' : String(d))).join(',')}]`;
}
