/**
 * Topic metadata: name, partition count and config overrides, persisted as a snapshot
 * `<dataDir>/topics.json` plus the changes since in `<dataDir>/topics.log` (see `TopicChangeLog`:
 * one appended, fdatasynced line per change), or only in memory. The log is folded into a new
 * snapshot (written atomically, generation + 1) when it grows past twice the topics, and on close.
 *
 * Snapshot format (JSON): `{ "version": 2, "generation": G, "topics": [TopicRecord…], "checksum":
 * "<crc32c>" }`, topics sorted by name; the checksum is the CRC-32C (8 hex digits) of
 * `JSON.stringify([generation, topics])`. Version 1 files (earlier releases) have no generation
 * (it is 0) and a checksum of `JSON.stringify(topics)`, or none at all. Loading checks every field
 * (naming the one that is wrong), then the checksum, so that a damaged byte — say one that turns a
 * partition count from 3 into 1 or 0, which would hide partitions — is an error rather than data
 * silently out of sight.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CorruptMetadataError, InvalidConfigError } from '../errors.js';
import { writeFileAtomic } from '../log/file-log-storage.js';
import { crc32c } from '../protocol/crc32c.js';
import type { LogConfigInput } from '../log/log-config.js';
import { readChangeLog, TopicChangeLog, type TopicChange } from './topic-change-log.js';

export interface TopicRecord {
  name: string;
  partitions: number;
  /** Config overrides as the user gave them (validated). */
  config: LogConfigInput;
  createdMs: number;
}

const FILE = 'topics.json';
const CHANGE_LOG_FILE = 'topics.log';
/** A change log longer than this plus twice the topic count is folded into a new snapshot. */
const COMPACT_SLACK = 64;
/** How often a read-only view re-reads when a compaction swapped the files between its two reads. */
const READ_ATTEMPTS = 5;
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
  readonly #changeLogFile: string | null;
  readonly #readOnly: boolean;
  #topics = new Map<string, TopicRecord>();
  #generation = 0;
  #changeLog: TopicChangeLog | null = null;

  private constructor(dataDir: string | null, readOnly: boolean) {
    this.#file = dataDir === null ? null : path.join(dataDir, FILE);
    this.#changeLogFile = dataDir === null ? null : path.join(dataDir, CHANGE_LOG_FILE);
    this.#readOnly = readOnly;
  }

  /**
   * Loads the snapshot and replays the change log (an empty registry when both are absent);
   * `dataDir` null → in memory. A writer cuts a torn last line off the log and drops a log left
   * over from a compaction that a crash interrupted.
   * @throws CorruptMetadataError naming the file and the field or line that is wrong.
   */
  static load(dataDir: string | null, options: { readOnly?: boolean } = {}): TopicRegistry {
    const registry = new TopicRegistry(dataDir, options.readOnly ?? false);
    registry.reload();
    return registry;
  }

  /** Re-reads the files (read-only views follow topics the owning process creates). */
  reload(): void {
    if (this.#file === null || this.#changeLogFile === null) return;
    for (let attempt = 1; ; attempt++) {
      const snapshot = readSnapshot(this.#file);
      const log = readChangeLog(this.#changeLogFile);
      if (log.generation !== null && log.generation > snapshot.generation) {
        // A writer's compaction replaced the snapshot between the two reads: read both again.
        if (this.#readOnly && attempt < READ_ATTEMPTS) continue;
        throw new CorruptMetadataError(this.#changeLogFile, 'line 1', `continues snapshot generation ${log.generation}, but ${this.#file} is generation ${snapshot.generation} (was topics.json replaced by an older copy?)`);
      }
      // A reader racing a compaction may have read the old snapshot and then found the old log gone
      // (its changes now in the new snapshot): the snapshot's generation moved, so read both again.
      if (this.#readOnly && attempt < READ_ATTEMPTS && readSnapshot(this.#file).generation !== snapshot.generation) continue;
      const current = log.generation === snapshot.generation;
      if (current) {
        for (const [i, change] of log.changes.entries()) {
          if ('remove' in change) snapshot.topics.delete(change.remove);
          else {
            const record = parseTopicRecord(this.#changeLogFile, change.put, `line ${i + 2} put`);
            snapshot.topics.set(record.name, record);
          }
        }
      }
      this.#topics = snapshot.topics;
      this.#generation = snapshot.generation;
      if (!this.#readOnly) {
        this.#changeLog?.close();
        if (!current && log.generation !== null) fs.rmSync(this.#changeLogFile, { force: true }); // stale: the snapshot holds it
        this.#changeLog = new TopicChangeLog(this.#changeLogFile, current ? log : { generation: null, changes: [], validBytes: 0, fileBytes: 0 });
      }
      return;
    }
  }

  get(name: string): TopicRecord | undefined {
    return this.#topics.get(name);
  }

  names(): string[] {
    return [...this.#topics.keys()].sort();
  }

  /** Records a created or changed topic; `sync` (a topic in the synced mode) also waits for fdatasync. */
  put(record: TopicRecord, options: { sync?: boolean } = {}): void {
    this.#append({ put: record }, options.sync ?? false);
    this.#topics.set(record.name, record);
    this.#compactIfLong();
  }

  remove(name: string): void {
    this.#append({ remove: name }, false);
    this.#topics.delete(name);
    this.#compactIfLong();
  }

  /** Folds the change log into the snapshot (a clean close leaves `topics.json` alone). */
  close(): void {
    if (this.#changeLog !== null && this.#changeLog.entries > 0) this.#compact();
    this.#changeLog?.sync();
    this.#changeLog?.close();
    this.#changeLog = null;
  }

  #append(change: TopicChange, sync: boolean): void {
    if (this.#changeLog === null) return; // in memory
    this.#changeLog.append(change, this.#generation, { sync });
  }

  #compactIfLong(): void {
    if (this.#changeLog !== null && this.#changeLog.entries > COMPACT_SLACK + 2 * this.#topics.size) this.#compact();
  }

  /** Snapshot first (atomic, durable), then the log goes: a crash in between leaves a stale log that `reload` drops. */
  #compact(): void {
    const generation = this.#generation + 1;
    const topics = [...this.#topics.values()].sort((a, b) => a.name.localeCompare(b.name));
    writeFileAtomic(this.#file!, Buffer.from(`${JSON.stringify({ version: 2, generation, topics, checksum: checksumOf(generation, topics) }, null, 2)}\n`), true);
    this.#generation = generation;
    this.#changeLog!.discard();
  }
}

/** The topics and generation of `topics.json` (generation 0 and no topics when absent). */
function readSnapshot(file: string): { generation: number; topics: Map<string, TopicRecord> } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { generation: 0, topics: new Map() };
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CorruptMetadataError(file, null, `not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const { generation, topics } = parseTopicsFile(file, parsed);
  return { generation, topics: new Map(topics.map((t) => [t.name, t])) };
}

/** Version 2's checksum covers the generation too; version 1's (`generation` null) only the topics. */
function checksumOf(generation: number | null, topics: unknown): string {
  return crc32c(Buffer.from(JSON.stringify(generation === null ? topics : [generation, topics]))).toString(16).padStart(8, '0');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The generation and topic records of a parsed `topics.json` (version 1 or 2).
 * @throws CorruptMetadataError naming the file and the first field that is wrong.
 */
export function parseTopicsFile(file: string, parsed: unknown): { generation: number; topics: TopicRecord[] } {
  const fail = (field: string | null, problem: string): never => {
    throw new CorruptMetadataError(file, field, problem);
  };
  if (!isObject(parsed)) return fail(null, 'not a JSON object');
  if (parsed.version !== 1 && parsed.version !== 2) fail('version', `is ${JSON.stringify(parsed.version)}, expected 1 or 2`);
  const generation = parsed.version === 1 ? null : parsed.generation;
  if (generation !== null && (!Number.isSafeInteger(generation) || (generation as number) < 0)) fail('generation', `is ${JSON.stringify(generation)}, expected a non-negative integer`);
  if (!Array.isArray(parsed.topics)) return fail('topics', 'is not an array');
  const topics = parsed.topics.map((t: unknown, i) => parseTopicRecord(file, t, `topics[${i}]`));
  const names = new Set<string>();
  topics.forEach((t, i) => {
    if (names.has(t.name)) fail(`topics[${i}].name`, `topic "${t.name}" is listed twice`);
    names.add(t.name);
  });
  if ((parsed.checksum !== undefined || parsed.version === 2) && parsed.checksum !== checksumOf(generation as number | null, parsed.topics)) {
    fail('checksum', `${JSON.stringify(parsed.checksum)} does not match the contents (${checksumOf(generation as number | null, parsed.topics)}): the file was damaged`);
  }
  return { generation: (generation as number | null) ?? 0, topics };
}

/**
 * Checks a topic record read from a file; `where` names where it sits (`topics[2]`, `line 5 put`).
 * @throws CorruptMetadataError naming the file and the first field that is wrong.
 */
export function parseTopicRecord(file: string, t: unknown, where: string): TopicRecord {
  const fail = (field: string, problem: string): never => {
    throw new CorruptMetadataError(file, field, problem);
  };
  if (!isObject(t)) return fail(where, 'is not an object');
  if (typeof t.name !== 'string') return fail(`${where}.name`, 'is not a string');
  try {
    validateTopicName(t.name);
  } catch (err) {
    fail(`${where}.name`, (err as Error).message);
  }
  if (!Number.isSafeInteger(t.partitions) || (t.partitions as number) < 1) fail(`${where}.partitions`, `is ${JSON.stringify(t.partitions)}, expected a positive integer`);
  if (!isObject(t.config)) fail(`${where}.config`, 'is not an object');
  for (const [key, value] of Object.entries(t.config as object)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) fail(`${where}.config.${key}`, `is ${JSON.stringify(value)}, expected a string, number or boolean`);
  }
  if (typeof t.createdMs !== 'number' || !Number.isFinite(t.createdMs)) fail(`${where}.createdMs`, `is ${JSON.stringify(t.createdMs)}, expected a number`);
  return t as unknown as TopicRecord;
}
