/**
 * Reads connector configs from YAML or JSON files (JSON is read by the YAML parser too, so both
 * get line numbers in error messages), with `${VAR}` / `${VAR:default}` environment variable
 * interpolation in string values (as Redpanda Connect does; `$${` writes a literal `${`).
 *
 * @example
 *   const { config, locate } = await readConfigFile('logs.yaml');
 *   validator.validate(config, { source: 'logs.yaml', locate });
 */
import fs from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConnectorConfigError, type ConfigProblemLocation } from '../errors.js';
import type { Locator } from './validate-config.js';
import { interpolateString } from './interpolate-string.js';
import { unsupportedYamlTags } from './yaml-tags.js';

export interface ConfigFile {
  /** The parsed config (plain data). */
  config: unknown;
  /** Finds the line and column of a JSON Pointer in the file. */
  locate: Locator;
}

/**
 * Reads and parses one config file.
 * @throws ConnectorConfigError for a YAML/JSON syntax error or an unset variable (with lines);
 *   the file system's error when it cannot be read.
 */
export async function readConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigFile> {
  return parseConfigText(await fs.readFile(file, 'utf8'), file, env);
}

/** Parses config text (YAML or JSON); `source` names it in errors. */
export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv = process.env): ConfigFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    throw new ConnectorConfigError(
      doc.errors.map((e) => ({ path: '', message: e.message.split('\n')[0], file: source, ...at(e.pos[0]) })),
      source,
    );
  }
  const tags = unsupportedYamlTags(doc, text);
  if (tags.length > 0) throw new ConnectorConfigError(tags.map((t) => ({ path: '', message: t.message, file: source, ...at(t.offset) })), source);
  const problems: ConfigProblemLocation[] = [];
  const config = interpolate(doc.toJS({ maxAliasCount: 100 }), '', env, problems);
  const locate: Locator = (pointer, where = 'value') => {
    const offset = offsetOf(doc.contents as Node | null, pointer, where);
    return offset === undefined ? undefined : at(offset);
  };
  if (problems.length > 0) throw new ConnectorConfigError(problems.map((p) => ({ ...p, file: source, ...locate(p.path) })), source);
  return { config, locate };
}

function interpolate(value: unknown, pointer: string, env: NodeJS.ProcessEnv, problems: ConfigProblemLocation[]): unknown {
  if (typeof value === 'string') {
    const { text, unset } = interpolateString(value, env);
    for (const u of unset) problems.push({ path: pointer, message: `environment variable ${u.name} is not set (set it, or give a default: \${${u.name}:-value})` });
    return text;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, `${pointer}/${i}`, env, problems));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, env, problems);
    return out;
  }
  return value;
}

/**
 * The source offset of the node at `pointer` (of its key with `where: 'key'`); for a missing
 * field, its parent's position.
 */
function offsetOf(root: Node | null, pointer: string, where: 'key' | 'value'): number | undefined {
  if (!root) return undefined;
  let node: unknown = root;
  let best = root.range?.[0];
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === segment);
      if (!pair) return best;
      const key = pair.key as Node | null;
      if (i === segments.length - 1 && where === 'key' && key?.range) return key.range[0];
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(segment)];
    } else {
      return best;
    }
    const range = (node as Node | null)?.range;
    if (range) best = range[0];
    else return best;
  }
  return best;
}
