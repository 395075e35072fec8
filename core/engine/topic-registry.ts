/**
 * Topic metadata: name, partition count and config overrides, persisted in `<dataDir>/topics.json`
 * (replaced atomically and fsynced on every change), or only in memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidConfigError, SluiceError } from '../errors.js';
import { writeFileAtomic } from '../log/file-log-storage.js';
import type { LogConfigInput } from '../log/log-config.js';

export interface TopicRecord {
  name: string;
  partitions: number;
  /** Config overrides as the user gave them (validated). */
  config: LogConfigInput;
  createdMs: number;
}

const FILE = 'topics.json';
const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_NAME_LENGTH = 249;

/**
 * Kafka's topic name rules: 1–249 characters from [a-zA-Z0-9._-], not "." or "..".
 * @throws InvalidConfigError naming the rule broken.
 */
export function validateTopicName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidConfigError('topic name is empty', 'topic');
  if (name.length > MAX_NAME_LENGTH) throw new InvalidConfigError(`topic name "${name.slice(0, 40)}…" is longer than ${MAX_NAME_LENGTH} characters`, 'topic');
  if (name === '.' || name === '..') throw new InvalidConfigError(`topic name "${name}" is not allowed`, 'topic');
  if (!LEGAL_NAME.test(name)) {
    throw new InvalidConfigError(`topic name "${name}" has characters other than ASCII letters, digits, ".", "_" and "-"`, 'topic');
  }
}

export class TopicRegistry {
  readonly #file: string | null;
  #topics = new Map<string, TopicRecord>();

  private constructor(file: string | null) {
    this.#file = file;
  }

  /** Loads `<dataDir>/topics.json` (an empty registry when absent); `dataDir` null → in memory. */
  static load(dataDir: string | null): TopicRegistry {
    const registry = new TopicRegistry(dataDir === null ? null : path.join(dataDir, FILE));
    registry.reload();
    return registry;
  }

  /** Re-reads the file (read-only views follow topics the owning process creates). */
  reload(): void {
    if (this.#file === null) return;
    let text: string;
    try {
      text = fs.readFileSync(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let parsed: { topics?: TopicRecord[] };
    try {
      parsed = JSON.parse(text) as { topics?: TopicRecord[] };
    } catch (err) {
      throw new SluiceError('CORRUPT_METADATA', `${this.#file} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    this.#topics = new Map((parsed.topics ?? []).map((t) => [t.name, t]));
  }

  get(name: string): TopicRecord | undefined {
    return this.#topics.get(name);
  }

  names(): string[] {
    return [...this.#topics.keys()].sort();
  }

  put(record: TopicRecord): void {
    this.#topics.set(record.name, record);
    this.#persist();
  }

  remove(name: string): void {
    this.#topics.delete(name);
    this.#persist();
  }

  #persist(): void {
    if (this.#file === null) return;
    const topics = [...this.#topics.values()].sort((a, b) => a.name.localeCompare(b.name));
    writeFileAtomic(this.#file, Buffer.from(`${JSON.stringify({ version: 1, topics }, null, 2)}\n`), true);
  }
}
