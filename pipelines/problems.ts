/**
 * Collects the problems of one pipeline file, each located by JSON Pointer through the file's
 * `SourceMap`. Problems under a value whose `${VAR}` was unset are dropped: the unset variable is
 * the problem there, not what its placeholder fails to be.
 */
import type { PipelineProblem } from './errors.js';
import { displayPath, type Location, type SourceMap } from './source-map.js';

export class Problems {
  readonly map: SourceMap;
  readonly #list: PipelineProblem[] = [];
  readonly #suppressed = new Set<string>();
  readonly #seen = new Set<string>();

  constructor(map: SourceMap) {
    this.map = map;
  }

  get size(): number {
    return this.#list.length;
  }

  /** Drops later problems at `pointer` or below it. */
  suppress(pointer: string): void {
    this.#suppressed.add(pointer);
  }

  /**
   * Adds a problem at `pointer` — at the field's value, or its name with `at: 'key'`, or at an
   * exact location (an expression's character, a variable inside a string).
   */
  add(pointer: string, message: string, at: 'key' | 'value' | Location = 'value'): void {
    if (this.#isSuppressed(pointer)) return;
    const location = typeof at === 'string' ? this.map.locate(pointer, at) : at;
    this.push({ ...location, path: pointer, displayPath: displayPath(pointer), message });
  }

  /** Adds a problem that is already located. */
  push(problem: PipelineProblem): void {
    const key = `${problem.line}:${problem.column}:${problem.path}:${problem.message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#list.push(problem);
  }

  /** Every problem, in file order (a stable sort: same-place problems keep their order). */
  sorted(): PipelineProblem[] {
    return [...this.#list].sort((a, b) => a.line - b.line || a.column - b.column);
  }

  #isSuppressed(pointer: string): boolean {
    for (const s of this.#suppressed) if (pointer === s || pointer.startsWith(`${s}/`)) return true;
    return false;
  }
}
