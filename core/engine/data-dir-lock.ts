/**
 * One process owns a data directory at a time, through an exclusive lock the operating system
 * drops when the process dies — the role `FileChannel.tryLock` plays for Kafka's `.lock` file.
 *
 * Node has no `flock`, so the lock is a listening local socket whose name is derived from the
 * directory's real path:
 * - Linux: a socket in the abstract namespace (`\0sluice-lock-<sha256 of the real path>`). Binding
 *   a name is atomic (exactly one `listen` wins, the rest get EADDRINUSE), and the name vanishes
 *   with the last descriptor of its socket — when the process exits or is killed, whatever its pid
 *   becomes later. Nothing on disk can go stale, so there is no takeover to race.
 * - Windows: a named pipe (`\\?\pipe\sluice-lock-<hash>`), which has the same two properties.
 * - Elsewhere (macOS, BSD: no abstract namespace) a socket file would outlive a killed owner, and
 *   removing a stale one is the check-then-delete race this lock exists to avoid; there the lock
 *   falls back to an exclusively created `.lock` file taken over only when its pid is not running
 *   (best effort, documented in the README).
 * Libuv opens sockets close-on-exec, so a child process never inherits (and prolongs) the lock.
 * The socket is `unref`'d: holding the lock never keeps the event loop alive.
 *
 * `<dataDir>/.lock` holds the owner's pid, written once the lock is held, only so that a second
 * opener's error can name the owner; its content never decides who owns the directory. Readers
 * (read-only views) never lock.
 *
 * Scope: the namespace is per host (per network namespace on Linux): two containers sharing a
 * volume but not a network namespace do not see each other's lock, nor do two hosts on NFS.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DataDirLockedError } from '../errors.js';

const LOCK_FILE = '.lock';

/** The local socket name that stands for `dataDir` (real path), or null where there is none. */
export function lockSocketName(realDir: string, platform: NodeJS.Platform = process.platform): string | null {
  const hash = createHash('sha256').update(realDir).digest('hex').slice(0, 40);
  if (platform === 'linux') return `\0sluice-lock-${hash}`;
  if (platform === 'win32') return `\\\\?\\pipe\\sluice-lock-${hash}`;
  return null;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid named in `<dataDir>/.lock`, or null when absent or not (yet) written. For messages only. */
function ownerNamedIn(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Whether another process holds the lock on `dataDir`, synchronously, for views that only report
 * (a read-only view tells `Empty` from `Unknown` groups): the pid named in `.lock` (0 when it is
 * not written yet), or null when nobody holds the lock. On Linux the abstract socket is looked up
 * in `/proc/net/unix`, so a pid file left by a killed owner is not taken for a live owner.
 */
export function dataDirOwner(dataDir: string): number | null {
  const file = path.join(dataDir, LOCK_FILE);
  let realDir: string;
  try {
    realDir = fs.realpathSync(dataDir);
  } catch {
    return null;
  }
  const name = lockSocketName(realDir);
  if (name !== null && name.startsWith('\0')) {
    try {
      const held = fs.readFileSync('/proc/net/unix', 'utf8').includes(` @${name.slice(1)}`); // Node pads the name with NULs, shown as @
      return held ? (ownerNamedIn(file) ?? 0) : null;
    } catch {
      // no /proc: fall back to the pid file
    }
  }
  const owner = ownerNamedIn(file);
  return owner !== null && isRunning(owner) ? owner : null;
}

/** Binds `name`; resolves with the server, or null when another socket holds the name. */
function bind(name: string): Promise<net.Server | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    server.listen(name, () => {
      server.unref();
      // Nobody is meant to connect: a stray connection is dropped.
      server.on('connection', (socket) => socket.destroy());
      resolve(server);
    });
  });
}

export class DataDirLock {
  readonly #file: string;
  readonly #server: net.Server | null;
  #held = true;

  private constructor(file: string, server: net.Server | null) {
    this.#file = file;
    this.#server = server;
  }

  /**
   * Takes the lock on `dataDir` (creating the directory).
   * @throws DataDirLockedError naming the owner's pid (when known) while another process, or
   *   another open broker of this process, holds it.
   */
  static async acquire(dataDir: string): Promise<DataDirLock> {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, LOCK_FILE);
    const name = lockSocketName(fs.realpathSync(dataDir));
    if (name === null) return DataDirLock.#acquireByPidFile(dataDir, file);
    const server = await bind(name);
    if (!server) throw new DataDirLockedError(dataDir, ownerNamedIn(file));
    try {
      // Replaced, not reused: whatever an earlier owner left here is stale now that we hold the lock.
      fs.writeFileSync(file, `${process.pid}\n`);
    } catch (err) {
      server.close();
      throw err;
    }
    return new DataDirLock(file, server);
  }

  /** Fallback where no socket namespace dies with its process (see the header). */
  static #acquireByPidFile(dataDir: string, file: string): DataDirLock {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
        return new DataDirLock(file, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = ownerNamedIn(file);
      // An empty file may be an owner between create and write: never call that stale.
      if (owner === null || owner === process.pid || isRunning(owner)) throw new DataDirLockedError(dataDir, owner);
      fs.rmSync(file, { force: true });
    }
    throw new DataDirLockedError(dataDir, ownerNamedIn(file));
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    // The pid file goes first, while the lock still keeps any other opener from writing its own.
    try {
      if (ownerNamedIn(this.#file) === process.pid) fs.rmSync(this.#file, { force: true });
    } catch {
      // already gone
    }
    this.#server?.close();
  }
}
