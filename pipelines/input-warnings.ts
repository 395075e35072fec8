/**
 * Warnings about a pipeline's input that are not errors — the pipeline is valid and may be meant
 * that way — but that would otherwise end as a silent empty success: a `file-source` whose
 * `file.path` matches no file (yet), or names a stream such as `/dev/stdin` that the file source
 * cannot tail. `sluice validate` and `sluice run` print them.
 *
 * @example
 *   for (const w of inputWarnings(pipeline)) console.error(`warning: ${w}`);
 */
import { patternMatchesAnyFile, resolvePatterns } from '../connectors/file/file-watcher.js';
import type { Pipeline } from './pipeline.js';

/** Paths of streams, not files: the file source reads files by identity and byte position. */
const STREAMS = /^\/(dev\/(stdin|fd\/\d+)|proc\/self\/fd\/\d+)$/;

/** One sentence per suspicious input; `cwd` resolves relative paths as the file source does. */
export function inputWarnings(pipeline: Pipeline, cwd = process.cwd()): string[] {
  const warnings: string[] = [];
  for (const source of pipeline.sources) {
    const config = source.config;
    if (config.connector !== 'file-source') continue;
    const given = config['file.path'] as string | string[];
    const patterns = Array.isArray(given) ? given : [given];
    const resolved = resolvePatterns(patterns, cwd);
    patterns.forEach((pattern, i) => {
      if (STREAMS.test(resolved[i])) {
        warnings.push(`source "${config.name}": file.path "${pattern}" is a stream, not a file: the file source tails files by position and reads nothing from it (pipe into "sluice produce <topic>" instead)`);
      } else if (!patternMatchesAnyFile(resolved[i])) {
        warnings.push(`source "${config.name}": file.path "${pattern}" matches no file (yet): nothing is read until one appears`);
      }
    });
  }
  return warnings;
}
