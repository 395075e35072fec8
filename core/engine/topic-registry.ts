/**
 * Topic metadata: name, partition count and config overrides, persisted in `<dataDir>/topics.json`
 * (replaced atomically and fsynced on every change), or only in memory.
 *
 * File format (JSON): `{ "version": 1, "topics": [TopicRecord…], "checksum": "<crc32c>" }`, topics
 * sorted by name; the checksum is the CRC-32C (8 hex digits) of `JSON.stringify(topics)`. Loading
 * checks every field (naming the one that is wrong), then the checksum, so that a damaged byte —
 * say one that turns a partition count from 3 into 1 or 0, which would hide partitions — is an
 * error rather than data silently out of sight. Files without a checksum (earlier versions) are
 * accepted once their fields check out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CorruptMetadataError, InvalidConfigError } from '../errors.js';
import { writeFileAtomic } from '../log/file-log-storage.js';
import { crc32c } from '../protocol/crc32c.js';
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
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new CorruptMetadataError(this.#file, null, `not valid JSON (${(err as Error).message})`, { cause: err });
    }
    this.#topics = new Map(parseTopicsFile(this.#file, parsed).map((t) => [t.name, t]));
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
    writeFileAtomic(this.#file, Buffer.from(`${JSON.stringify({ version: 1, topics, checksum: checksumOf(topics) }, null, 2)}\n`), true);
  }
}

function checksumOf(topics: unknown): string {
  return crc32c(Buffer.from(JSON.stringify(topics))).toString(16).padStart(8, '0');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The topic records of a parsed `topics.json`.
 * @throws CorruptMetadataError naming the file and the first field that is wrong.
 */
export function parseTopicsFile(file: string, parsed: unknown): TopicRecord[] {
  const fail = (field: string | null, problem: string): never => {
    throw new CorruptMetadataError(file, field, problem);
  };
  if (!isObject(parsed)) return fail(null, 'not a JSON object');
  if (parsed.version !== 1) fail('version', `is ${JSON.stringify(parsed.version)}, expected 1`);
  if (!Array.isArray(parsed.topics)) return fail('topics', 'is not an array');
  const names = new Set<string>();
  parsed.topics.forEach((t: unknown, i) => {
    const at = `topics[${i}]`;
    if (!isObject(t)) return fail(at, 'is not an object');
    if (typeof t.name !== 'string') return fail(`${at}.name`, 'is not a string');
    try {
      validateTopicName(t.name);
    } catch (err) {
      fail(`${at}.name`, (err as Error).message);
    }
    if (names.has(t.name)) fail(`${at}.name`, `topic "${t.name}" is listed twice`);
    names.add(t.name);
    if (!Number.isSafeInteger(t.partitions) || (t.partitions as number) < 1) fail(`${at}.partitions`, `is ${JSON.stringify(t.partitions)}, expected a positive integer`);
    if (!isObject(t.config)) fail(`${at}.config`, 'is not an object');
    for (const [key, value] of Object.entries(t.config as object)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) fail(`${at}.config.${key}`, `is ${JSON.stringify(value)}, expected a string, number or boolean`);
    }
    if (typeof t.createdMs !== 'number' || !Number.isFinite(t.createdMs)) fail(`${at}.createdMs`, `is ${JSON.stringify(t.createdMs)}, expected a number`);
  });
  if (parsed.checksum !== undefined && parsed.checksum !== checksumOf(parsed.topics)) {
    fail('checksum', `${JSON.stringify(parsed.checksum)} does not match the contents (${checksumOf(parsed.topics)}): the file was damaged`);
  }
  return parsed.topics as TopicRecord[];
}
