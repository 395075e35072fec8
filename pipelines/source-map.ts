/**
 * Where things are in a pipeline file: maps a JSON Pointer (`/streams/0/steps/2/filter`) to the
 * line and column of its node in the YAML (or JSON) text, through the `yaml` package's node ranges
 * and a `LineCounter`. Lines and columns are 1-based, as editors and compilers print them.
 *
 * A pointer into a missing field resolves to its closest existing parent, so "missing required
 * field" points at the object that lacks it.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Scalar } from 'yaml';

/** A place in a file. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

export class SourceMap {
  readonly file: string;
  readonly #doc: Document;
  readonly #text: string;
  readonly #lines: LineCounter;

  constructor(file: string, text: string, doc: Document, lines: LineCounter) {
    this.file = file;
    this.#doc = doc;
    this.#text = text;
    this.#lines = lines;
  }

  /** The location of a character offset in the text. */
  at(offset: number): Location {
    const { line, col } = this.#lines.linePos(Math.max(0, Math.min(offset, this.#text.length)));
    return { file: this.file, line, column: col };
  }

  /**
   * The location of the node at `pointer` — its value, or with `where: 'key'` its field name (for
   * an unknown field). A missing node resolves to its closest existing parent.
   */
  locate(pointer: string, where: 'key' | 'value' = 'value'): Location {
    const { node, key, exact } = this.#walk(pointer);
    if (exact && where === 'key' && key?.range) return this.at(key.range[0]);
    if (exact && node?.range) return this.at(node.range[0]);
    // Missing: point at the parent's key when it has one ("streams[0]" → the "- " item), else its value.
    const target = (key ?? node) as Node | null;
    return this.at(target?.range?.[0] ?? 0);
  }

  /** The scalar node at `pointer`, if the pointer leads to one. */
  scalarAt(pointer: string): Scalar | undefined {
    const { node, exact } = this.#walk(pointer);
    return exact && isScalar(node) ? node : undefined;
  }

  /**
   * The location of character `index` of the string value at `pointer` — exact for one-line plain
   * and quoted scalars and for literal blocks (`|`); otherwise `undefined` (folded text, escapes
   * across lines), and callers fall back to the scalar's start.
   */
  locateInString(pointer: string, index: number): Location | undefined {
    const node = this.scalarAt(pointer);
    if (!node?.range || typeof node.value !== 'string') return undefined;
    const offset = offsetInScalar(this.#text, node, index);
    return offset === undefined ? undefined : this.at(offset);
  }

  /** The raw source text of the node at `pointer` (for finding a `${VAR}` inside it). */
  sourceOf(pointer: string): { text: string; start: number } | undefined {
    const { node, exact } = this.#walk(pointer);
    if (!exact || !node?.range) return undefined;
    return { text: this.#text.slice(node.range[0], node.range[1]), start: node.range[0] };
  }

  #walk(pointer: string): { node: Node | null; key: Node | null; exact: boolean } {
    let node = this.#doc.contents as Node | null;
    let key: Node | null = null;
    for (const segment of parsePointer(pointer)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === segment);
        if (!pair) return { node, key, exact: false };
        key = pair.key as Node | null;
        node = pair.value as Node | null;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined;
        if (item === undefined || !/^\d+$/.test(segment)) return { node, key, exact: false };
        key = null;
        node = item;
      } else {
        return { node, key, exact: false };
      }
      if (node === null) return { node: key, key, exact: false };
    }
    return { node, key, exact: true };
  }
}

/** The segments of a JSON Pointer, unescaped (`~1` → `/`, `~0` → `~`). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Escapes one JSON Pointer segment. */
export function pointerSegment(name: string | number): string {
  return String(name).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Appends segments to a pointer. */
export function pointerJoin(pointer: string, ...segments: (string | number)[]): string {
  return pointer + segments.map((s) => `/${pointerSegment(s)}`).join('');
}

/**
 * A pointer as people read it: `streams[0].steps[2].filter`, `sources[0]['file.path']`,
 * `topics.orders.partitions`.
 */
export function displayPath(pointer: string): string {
  let out = '';
  for (const segment of parsePointer(pointer)) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment).replace(/^"|"$/g, "'")}]`;
  }
  return out;
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The text offset of character `index` of a string scalar's value, when it maps one to one. */
function offsetInScalar(text: string, node: Scalar, index: number): number | undefined {
  const [start, end] = node.range!;
  const source = text.slice(start, end);
  const value = node.value as string;
  const i = Math.max(0, Math.min(index, value.length));
  switch (node.type) {
    case 'PLAIN':
      return source === value ? start + i : undefined;
    case 'QUOTE_SINGLE': {
      if (source.includes('\n')) return undefined;
      // '' is one quote: walk the source, counting value characters.
      let v = 0;
      for (let s = 1; s < source.length - 1; s++, v++) {
        if (v === i) return start + s;
        if (source[s] === "'" && source[s + 1] === "'") s++;
      }
      return start + source.length - 1;
    }
    case 'QUOTE_DOUBLE': {
      if (source.includes('\n')) return undefined;
      const lengths: Record<string, number> = { x: 4, u: 6, U: 10 };
      let v = 0;
      for (let s = 1; s < source.length - 1; s++, v++) {
        if (v === i) return start + s;
        if (source[s] === '\\') s += (lengths[source[s + 1]] ?? 2) - 1;
      }
      return start + source.length - 1;
    }
    case 'BLOCK_LITERAL': {
      // Header line ("|", "|-", "|2"), then the value's lines, each indented by the block's indentation.
      const lines = source.split('\n');
      const before = value.slice(0, i).split('\n');
      const lineIndex = before.length; // lines[0] is the header
      const content = lines.slice(1).find((l) => l.trim() !== '') ?? '';
      const indent = content.length - content.trimStart().length;
      if (lineIndex >= lines.length) return undefined;
      let offset = start;
      for (let l = 0; l < lineIndex; l++) offset += lines[l].length + 1;
      return offset + indent + before[before.length - 1].length;
    }
    default:
      return undefined;
  }
}
