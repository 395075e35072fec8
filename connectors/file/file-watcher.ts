/**
 * Watches files given by paths or globs (chokidar 5 has no globs of its own: each pattern's static
 * base directory is watched, and picomatch filters the files) and reports `add`, `change` and
 * `unlink` per matching file. Events only say "look at this path again": the file source stats the
 * path and decides by file identity what happened.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import fs from 'node:fs';
import picomatch from 'picomatch';

export type PathEvent = 'add' | 'change' | 'unlink';

interface Pattern {
  base: string;
  matches: (file: string) => boolean;
  depth: number | undefined;
}

/** Splits `pattern` (absolute) into the directory to watch, a matcher and the depth to watch to. */
function compile(pattern: string): Pattern {
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) return { base: path.dirname(pattern), matches: (file) => file === pattern, depth: 0 };
  const isMatch = picomatch(pattern, { dot: false });
  const depth = scan.glob.includes('**') ? undefined : scan.glob.split('/').length - 1;
  return { base: scan.base === '' ? '.' : scan.base, matches: (file) => isMatch(file), depth };
}

/**
 * True when some file matches `pattern` (absolute) now. Walks the pattern's base directory no
 * deeper than the pattern reaches, and stops at the first match.
 */
export function patternMatchesAnyFile(pattern: string): boolean {
  const { base, matches, depth } = compile(pattern);
  const walk = (dir: string, level: number): boolean => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const entry of entries) {
      const file = `${dir === '/' ? '' : dir}/${entry.name}`;
      if (!entry.isDirectory() && matches(file)) return true;
      if (entry.isDirectory() && (depth === undefined || level < depth) && walk(file, level + 1)) return true;
    }
    return false;
  };
  return walk(base, 0);
}

/** Resolves every pattern against `cwd`, keeping glob syntax intact (forward slashes). */
export function resolvePatterns(patterns: readonly string[], cwd = process.cwd()): string[] {
  return patterns.map((p) => (path.isAbsolute(p) ? p : path.join(cwd, p)).split(path.sep).join('/'));
}

export class FileWatcher {
  readonly #watchers: FSWatcher[] = [];
  readonly #patterns: Pattern[];

  /**
   * @param patterns absolute paths or globs
   * @param onEvent called for every event on a matching file (path absolute)
   * @param onError called for watcher errors (the source keeps going on its periodic stat sweep)
   */
  constructor(
    patterns: readonly string[],
    readonly onEvent: (event: PathEvent, file: string) => void,
    readonly onError: (error: Error) => void,
  ) {
    this.#patterns = patterns.map(compile);
  }

  /** True when `file` (absolute) matches one of the patterns. */
  matches(file: string): boolean {
    return this.#patterns.some((p) => p.matches(file));
  }

  /** Starts watching; resolves once the initial scan reported every existing file (as `add`). */
  async start(): Promise<void> {
    await Promise.all(
      this.#patterns.map(
        (pattern) =>
          new Promise<void>((resolve) => {
            const watcher = watch(pattern.base, {
              depth: pattern.depth,
              ignoreInitial: false,
              persistent: true,
              atomic: false,
              ignorePermissionErrors: true,
              ignored: (file, stats) => stats?.isFile() === true && !pattern.matches(file.split(path.sep).join('/')),
            });
            const emit = (event: PathEvent) => (file: string) => {
              const normalized = file.split(path.sep).join('/');
              if (pattern.matches(normalized)) this.onEvent(event, normalized);
            };
            watcher.on('add', emit('add'));
            watcher.on('change', emit('change'));
            watcher.on('unlink', emit('unlink'));
            watcher.on('error', (error) => this.onError(error as Error));
            watcher.once('ready', () => resolve());
            this.#watchers.push(watcher);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.#watchers.map((w) => w.close()));
    this.#watchers.length = 0;
  }
}
