/**
 * Prints connector config problems the way `sluice validate` prints a pipeline's: one per line,
 * `file:line:column: path: message` (the form compilers print and editors link), so every
 * command that validates configs reads the same.
 */
import type { ConfigProblemLocation } from '../connectors/index.js';

/** Writes each problem on its own line to stderr. */
export async function printConfigProblems(problems: readonly ConfigProblemLocation[]): Promise<void> {
  const [{ formatProblem }, { displayPath }] = await Promise.all([import('../pipelines/errors.js'), import('../pipelines/source-map.js')]);
  const lines = problems.map((p) =>
    formatProblem({ file: p.file ?? '(config)', line: p.line ?? 0, column: p.column ?? 0, path: p.path, displayPath: displayPath(p.path), message: p.message }),
  );
  process.stderr.write(lines.map((l) => `${l}\n`).join(''));
}
