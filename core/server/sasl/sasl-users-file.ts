/**
 * A users file (`sasl-users.ts`) the broker re-reads when it changes, so users are added or
 * removed while it runs — as Kafka's SCRAM credentials are dynamic. A file that became unreadable
 * or invalid leaves the last good users in place, with one log line naming the problem.
 */
import fs from 'node:fs/promises';
import { InvalidConfigError } from '../../errors.js';
import { SaslUsers, type SaslUserStore } from './sasl-users.js';

export class SaslUsersFile implements SaslUserStore {
  readonly #file: string;
  readonly #log: (line: string) => void;
  #users: SaslUsers;
  #stamp: string;
  #reported = '';

  private constructor(file: string, users: SaslUsers, stamp: string, log: (line: string) => void) {
    this.#file = file;
    this.#users = users;
    this.#stamp = stamp;
    this.#log = log;
  }

  /**
   * Reads the file once, failing when it is missing or invalid (the broker does not start).
   * @throws InvalidConfigError naming file and line, or a missing file
   */
  static async open(file: string, log: (line: string) => void = () => undefined): Promise<SaslUsersFile> {
    const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new InvalidConfigError(`SASL users file ${file} does not exist (write it with "sluice sasl-users add USER --file ${file}")`, 'file') : error;
    });
    return new SaslUsersFile(file, SaslUsers.parse(await fs.readFile(file, 'utf8'), file), stampOf(stat), log);
  }

  async current(): Promise<SaslUsers> {
    try {
      const stat = await fs.stat(this.#file);
      const stamp = stampOf(stat);
      if (stamp !== this.#stamp) {
        this.#users = SaslUsers.parse(await fs.readFile(this.#file, 'utf8'), this.#file);
        this.#stamp = stamp;
        this.#reported = '';
      }
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.#reported) this.#log(`SASL users file ${this.#file}: ${message}; keeping the users read before`);
      this.#reported = message;
    }
    return this.#users;
  }
}

function stampOf(stat: { mtimeMs: number; size: number; ino: number }): string {
  return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
}
