/**
 * One process owns a data directory at a time: `<dataDir>/.lock` holds the owner's pid. A lock
 * whose pid is no longer running (the owner was killed) is taken over. Readers never lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DataDirLockedError } from '../errors.js';

const LOCK_FILE = '.lock';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the live process owning `dataDir`, or null. */
export function dataDirOwner(dataDir: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8');
  } catch {
    return null;
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 && isRunning(pid) ? pid : null;
}

export class DataDirLock {
  readonly #file: string;
  #held = true;

  private constructor(file: string) {
    this.#file = file;
  }

  /**
   * Takes the lock on `dataDir` (creating the directory).
   * @throws DataDirLockedError naming the owning pid when a live process holds it.
   */
  static acquire(dataDir: string): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, LOCK_FILE);
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx');
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        return new DataDirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
          if (attempt > 0) {
            const owner = dataDirOwner(dataDir);
            if (owner !== null) throw new DataDirLockedError(dataDir, owner);
          }
          throw err;
        }
      }
      const owner = dataDirOwner(dataDir);
      if (owner !== null) throw new DataDirLockedError(dataDir, owner);
      fs.rmSync(file, { force: true }); // stale: its owner is gone
    }
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    try {
      if (Number.parseInt(fs.readFileSync(this.#file, 'utf8'), 10) === process.pid) fs.rmSync(this.#file, { force: true });
    } catch {
      // already gone
    }
  }
}
