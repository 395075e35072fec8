/**
 * Reads a pipeline file (YAML or JSON — the `yaml` parser reads both, so both get line numbers):
 * parse → interpolate `${VAR}` → JSON Schema (ajv) → connector configs → semantic checks. Every
 * problem of every stage is collected and thrown at once in a `PipelineError`, each with its
 * file, line and column; a YAML syntax error stops after parsing (nothing after it is reliable).
 *
 * @example
 *   try {
 *     const pipeline = await loadPipeline('orders.yaml');
 *   } catch (error) {
 *     if (error instanceof PipelineError) for (const p of error.problems) console.error(formatProblem(p));
 *   }
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { createRegistry, type ConnectorRegistry } from '../connectors/index.js';
import { unsupportedYamlTags } from '../connectors/config/yaml-tags.js';
import { checkPipeline, nameFromFile } from './check-pipeline.js';
import { PipelineError } from './errors.js';
import { interpolateDocument } from './interpolate.js';
import type { Pipeline } from './pipeline.js';
import { Problems } from './problems.js';
import { SourceMap } from './source-map.js';
import { validateSchema } from './validate-schema.js';

/** Top-level fields only a pipeline has. */
const PIPELINE_PARTS = ['sources', 'streams', 'sinks', 'topics', 'engine'];

export interface LoadPipelineOptions {
  /** Variables for `${VAR}` (default `process.env`). `PIPELINE_DIR` is always the file's directory. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Connector types (default: the built-in ones). */
  registry?: ConnectorRegistry;
  /** Directory relative module paths resolve against (default: the file's directory). */
  baseDir?: string;
}

/**
 * Reads and validates a pipeline file.
 * @throws PipelineError listing every problem; the file system's error when it cannot be read.
 */
export async function loadPipeline(file: string, options: LoadPipelineOptions = {}): Promise<Pipeline> {
  const text = await fs.readFile(file, 'utf8');
  return parsePipeline(text, file, options);
}

/**
 * Validates pipeline text; `file` names it in messages (and, unless `baseDir` is given, is where
 * relative module paths start).
 * @throws PipelineError listing every problem.
 */
export function parsePipeline(text: string, file: string, options: LoadPipelineOptions = {}): Pipeline {
  const registry = options.registry ?? createRegistry();
  const baseDir = options.baseDir ?? path.dirname(path.resolve(file));
  const { doc, map, problems } = readYamlDocument(text, file, 'the file is empty: a pipeline declares topics, sources, streams and sinks');

  if (isMap(doc.contents) && doc.has('connector') && !PIPELINE_PARTS.some((k) => doc.has(k))) {
    // A connector config given to `validate` or `run`: one clear problem instead of one per field.
    const connector = doc.get('connector');
    problems.add('/connector', `this looks like a connector config (connector: ${String(connector)}), not a pipeline file: check it with "sluice connect --validate ${file}", run it with "sluice connect ${file}", or put it in a pipeline under sources: or sinks:`, 'key');
    throw new PipelineError(file, problems.sorted());
  }

  const { unset, coercible } = interpolateDocument(doc, { ...(options.env ?? process.env), PIPELINE_DIR: baseDir });
  for (const u of unset) {
    const exact = map.locateInString(u.pointer, u.index);
    problems.add(u.pointer, `environment variable ${u.name} is not set (set it, or give a default: \${${u.name}:-value})`, exact ?? 'value');
  }
  // After the problems above: what a placeholder fails to be is no news.
  for (const u of unset) problems.suppress(u.pointer);

  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  for (const p of validateSchema(data, registry, coercible)) problems.add(p.pointer, p.message, p.atKey ? 'key' : 'value');
  const pipeline = checkPipeline(data, problems, { registry, defaultName: nameFromFile(file), baseDir });
  if (problems.size > 0) throw new PipelineError(file, problems.sorted());
  return pipeline;
}

/**
 * Parses YAML (or JSON) text with a source map, for any file Sluice validates with line numbers.
 * @throws PipelineError for a syntax error (the first one: later ones mostly follow from it), an
 *   unsupported tag, or an empty file (`emptyMessage`).
 */
export function readYamlDocument(text: string, file: string, emptyMessage: string): { doc: Document; map: SourceMap; problems: Problems } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
  const map = new SourceMap(file, text, doc, lineCounter);
  const problems = new Problems(map);

  if (doc.errors.length > 0) {
    // The first error is the one to fix: the parser's later errors mostly follow from it.
    const e = doc.errors[0];
    const at = map.at(e.pos[0]);
    const lineText = text.split('\n')[at.line - 1] ?? '';
    const hint = lineText.includes('${') && /[{[]/.test(lineText) ? ' (inside { } or [ ], quote a ${…} reference: "${VAR}")' : '';
    problems.push({ ...at, path: '', displayPath: '', message: `YAML syntax error: ${e.message.split('\n')[0]}${hint}` });
    throw new PipelineError(file, problems.sorted());
  }
  const tags = unsupportedYamlTags(doc, text);
  if (tags.length > 0) {
    for (const t of tags) problems.push({ ...map.at(t.offset), path: '', displayPath: '', message: t.message });
    throw new PipelineError(file, problems.sorted());
  }
  if (doc.contents === null) {
    problems.push({ ...map.at(0), path: '', displayPath: '', message: emptyMessage });
    throw new PipelineError(file, problems.sorted());
  }

  return { doc, map, problems };
}
