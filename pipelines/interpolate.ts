/**
 * Environment variable interpolation in a pipeline file's values, applied to the parsed YAML
 * document before validation (so every error still points at the right line):
 *
 * - `${VAR}` is the value of `VAR`; unset, it is an error naming the variable and the line.
 * - `${VAR:-default}` falls back to `default` when `VAR` is unset or empty (as in the shell and
 *   docker compose); `${VAR:default}` (Redpanda Connect's and the connector configs' form) too.
 * - `$${` is a literal `${`.
 *
 * A plain (unquoted) YAML scalar is re-read after substitution, as if the text had been written
 * there: `partitions: ${PARTITIONS:-4}` is the number 4, `in_memory: ${IN_MEMORY:-false}` a
 * boolean. A quoted one stays a string; when it is only a reference (`"${N}"`, the only way to
 * write one inside `{ }`, `[ ]` or JSON) and the schema wants a number or boolean there, the
 * validator converts it (see `coercible`).
 *
 * Keys are not interpolated.
 */
import { isPair, isScalar, isSeq, visit, type Document } from 'yaml';
import { interpolateString } from '../connectors/config/interpolate-string.js';
import { pointerJoin } from './source-map.js';

export { interpolateString };

const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-?[^}]*)?\}$/;

/** An unset variable without a default, at the string value `pointer` (`index`: where in the scalar's value). */
export interface UnsetVariable {
  pointer: string;
  name: string;
  index: number;
}

export interface InterpolationResult {
  unset: UnsetVariable[];
  /** Pointers of quoted values that were a single reference: the validator may turn them into numbers or booleans. */
  coercible: Set<string>;
}


/**
 * Interpolates every string value of `doc` in place.
 * @param env the variables (normally `process.env` plus `PIPELINE_DIR`).
 */
export function interpolateDocument(doc: Document, env: Readonly<Record<string, string | undefined>>): InterpolationResult {
  const result: InterpolationResult = { unset: [], coercible: new Set() };
  visit(doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const pointer = pointerOf(path, key);
      const original = node.value;
      const { text, unset } = interpolateString(original, env);
      for (const u of unset) result.unset.push({ pointer, ...u });
      if (unset.length > 0 || text === original) return;
      if (node.type === 'PLAIN') node.value = reread(text);
      else {
        node.value = text;
        if (WHOLE_REFERENCE.test(original)) result.coercible.add(pointer);
      }
    },
  });
  return result;
}

/** The JSON Pointer of a node from `visit`'s path (its ancestors) and its own key. */
function pointerOf(path: readonly unknown[], key: number | 'key' | 'value' | null): string {
  const segments: (string | number)[] = [];
  for (let i = 0; i < path.length; i++) {
    const item = path[i];
    if (isPair(item)) segments.push(isScalar(item.key) ? String(item.key.value) : String(item.key));
    else if (isSeq(item)) {
      const next = i + 1 < path.length ? path[i + 1] : null;
      segments.push(next === null ? (key as number) : item.items.indexOf(next as never));
    }
  }
  return pointerJoin('', ...segments);
}

/** A plain scalar's text read again as YAML 1.2 core: numbers, booleans and null become typed. */
function reread(text: string): unknown {
  if (/^[-+]?(\d+|\d*\.\d+|\d+\.\d*)([eE][-+]?\d+)?$/.test(text.trim())) return Number(text);
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(null|Null|NULL|~)?$/.test(text) && text !== '') return null;
  return text;
}
