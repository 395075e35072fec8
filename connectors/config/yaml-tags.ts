/**
 * YAML tags a config may use: the ones that read as JSON values. Others — YAML 1.1's `!!binary`
 * (a Buffer), `!!set`, `!!omap`, `!!timestamp` (a Date), local tags like `!foo` — would reach the
 * validator as objects it can only describe by their methods, so they are refused with one
 * message at their place.
 */
import { visit, type Document } from 'yaml';

const JSON_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** A tag in the document that is not a JSON value type; `offset` is where the tag is written. */
export interface UnsupportedTag {
  message: string;
  offset: number;
}

/** Every node of `doc` (parsed from `text`) with a tag other than the JSON ones, in document order. */
export function unsupportedYamlTags(doc: Document, text: string): UnsupportedTag[] {
  const found: UnsupportedTag[] = [];
  visit(doc, {
    Node(_key, node) {
      const tag = (node as { tag?: string }).tag;
      if (tag === undefined || JSON_TAGS.has(tag)) return;
      const shown = tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
      found.push({
        message: `YAML tag ${shown} is not supported: values are text, numbers, booleans, null, lists and maps (remove the tag; binary data can be written as base64 text)`,
        offset: tagOffset(text, node.range?.[0] ?? 0),
      });
    },
  });
  return found;
}

/** The `!` of the tag before the value at `valueOffset` (the value's own offset when not on its line). */
function tagOffset(text: string, valueOffset: number): number {
  const bang = text.lastIndexOf('!', valueOffset);
  const lineStart = text.lastIndexOf('\n', valueOffset - 1) + 1;
  if (bang < lineStart) return valueOffset;
  // `!!binary` starts at its first "!".
  return text[bang - 1] === '!' ? bang - 1 : bang;
}
