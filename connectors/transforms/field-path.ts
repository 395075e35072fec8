/**
 * Dotted field paths (`user.id`, `meta.source`) into JSON-like objects, as the transforms and the
 * file source's `file.key.field` use them. A segment is a property name; there is no escaping (a
 * field whose name contains a dot cannot be addressed — Kafka Connect's SMTs have the same limit
 * with their `field.syntax.version=V2` aside).
 */

export interface FieldPath {
  /** The path as written. */
  readonly text: string;
  /** The value at the path, or `undefined` when a step is missing or not an object. */
  get(root: unknown): unknown;
  /** Sets the value, creating intermediate objects; false when a step exists but is not an object. */
  set(root: Record<string, unknown>, value: unknown): boolean;
  /** Deletes the field; true when it existed. */
  delete(root: unknown): boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** Compiles `text` (non-empty segments separated by dots). @throws Error for an empty segment. */
export function compileFieldPath(text: string): FieldPath {
  const segments = text.split('.');
  if (segments.some((s) => s === '')) throw new Error(`field path "${text}" has an empty segment`);
  const last = segments[segments.length - 1];
  const parentOf = (root: unknown): Record<string, unknown> | undefined => {
    let node = root;
    for (let i = 0; i < segments.length - 1; i++) {
      if (!isObject(node)) return undefined;
      node = node[segments[i]];
    }
    return isObject(node) ? node : undefined;
  };
  if (segments.length === 1) {
    return {
      text,
      get: (root) => (isObject(root) ? root[last] : undefined),
      set: (root, value) => {
        root[last] = value;
        return true;
      },
      delete: (root) => isObject(root) && Object.hasOwn(root, last) && delete root[last],
    };
  }
  return {
    text,
    get: (root) => parentOf(root)?.[last],
    set: (root, value) => {
      let node: Record<string, unknown> = root;
      for (let i = 0; i < segments.length - 1; i++) {
        const next = node[segments[i]];
        if (next === undefined) node = node[segments[i]] = {};
        else if (isObject(next)) node = next;
        else return false;
      }
      node[last] = value;
      return true;
    },
    delete: (root) => {
      const parent = parentOf(root);
      return parent !== undefined && Object.hasOwn(parent, last) && delete parent[last];
    },
  };
}

/** True for a plain JSON-like object (not an array, not bytes). */
export { isObject as isPlainRecordObject };
