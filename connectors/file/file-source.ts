/**
 * `file-source`: tails files (paths or globs) into a topic, one record per line (text or JSON
 * lines) or per whole file.
 *
 * Files are tracked by identity (device + inode, checked by a fingerprint of their first bytes —
 * see `file-identity.ts`), not by name: a renamed (rotated) file keeps being read to its end through
 * its open descriptor, while a new file at the old path starts at byte 0; a truncated or rewritten
 * file starts over at 0. A last line without its newline is not read until the newline arrives.
 * The position stored after each chunk is the byte after its last complete line, so a restart
 * resumes exactly there.
 *
 * Reading: chunks of `file.read.bytes` by positional reads, lines split with `Buffer.indexOf`
 * and handed out as views of the chunk (no copy). Change events come from chokidar; a stat sweep
 * every `file.poll.interval.ms` catches what events miss (and files renamed out of the watched
 * paths).
 *
 * @example
 *   name: app-logs
 *   connector: file-source
 *   topic: logs
 *   file.path: /var/log/app/*.log
 *   file.format: json
 *   file.key.field: user.id
 */
import type { ConfigProblem, SourceConnectorType } from '../connector.js';
import { FileSourceTask } from './file-source-task.js';

export interface FileSourceConfig {
  'file.path': string | string[];
  'file.format': 'lines' | 'json' | 'whole';
  'file.key.field'?: string;
  'file.start.position': 'beginning' | 'end';
  'file.read.bytes': number;
  'file.timestamp.field'?: string;
  'file.max.line.bytes': number;
  'file.poll.interval.ms': number;
  'file.close.inactive.ms': number;
  'file.whole.settle.ms': number;
  'file.path.header'?: string;
}

export const fileSource: SourceConnectorType<FileSourceConfig> = {
  name: 'file-source',
  kind: 'source',
  description: 'Tails files or globs into a topic: a record per line (text or JSON lines) or per whole file; follows rotation and truncation.',
  configSchema: {
    properties: {
      'file.path': {
        description: 'File path or glob (picomatch syntax; relative to the working directory), or a list of them. Matching no file at start is not an error (as Kafka Connect\'s FileStreamSource): a warning is logged and files are read as they appear.',
        type: ['string', 'array'],
        minLength: 1,
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        examples: ['/var/log/app.log', '/var/log/app/*.log', ['logs/**/*.jsonl', 'extra.log']],
      },
      'file.format': {
        description: 'lines: each line is a record (value: the line\'s bytes, without its newline). json: each line is a JSON document (value: the document, written as the line\'s own text with value.converter=json and no transforms; blank lines skipped; a line that is not JSON follows errors.tolerance, its error naming the file, line and byte offset). whole: the whole file is one record, once it has not changed for file.whole.settle.ms (and again each time it changes).',
        enum: ['lines', 'json', 'whole'],
        default: 'lines',
        examples: ['json'],
      },
      'file.key.field': {
        description: 'With file.format=json: the record key is this field of each document (a dotted path). Default: no key.',
        type: 'string',
        minLength: 1,
        examples: ['user.id'],
      },
      'file.start.position': {
        description: 'Where to start in files found at the first start that have no stored position: beginning, or end (only new lines). Files appearing later are always read from the beginning.',
        enum: ['beginning', 'end'],
        default: 'beginning',
        examples: ['end'],
      },
      'file.timestamp.field': {
        description:
          'With file.format=json: the field (a dotted path) holding each document\'s event time, in epoch milliseconds or an ISO 8601 string; it becomes the record timestamp, and the files of this source are read merged in its order (each file\'s own order kept) rather than a chunk of one file after another — for event-time windows over a folder of time-sorted logs.',
        type: 'string',
        minLength: 1,
        examples: ['ts', 'event.time'],
      },
      'file.read.bytes': {
        description: 'Bytes read per chunk (one poll); larger chunks mean fewer, bigger batches.',
        type: 'integer',
        minimum: 4096,
        default: 1048576,
        examples: [4194304],
      },
      'file.max.line.bytes': {
        description: 'A line longer than this is split into records of this many bytes (a file without newlines would otherwise be held in memory forever). Lines longer than file.read.bytes are read with larger chunks, up to this.',
        type: 'integer',
        minimum: 16,
        default: 1048576,
        examples: [65536],
      },
      'file.poll.interval.ms': {
        description: 'How often open files are stat-ed to catch changes the watcher missed (and rotated files that left the watched paths).',
        type: 'integer',
        minimum: 10,
        default: 1000,
        examples: [250],
      },
      'file.close.inactive.ms': {
        description: 'A file no longer at a watched path (rotated away or deleted) is closed once read to its end and unchanged for this long.',
        type: 'integer',
        minimum: 0,
        default: 60000,
        examples: [300000],
      },
      'file.whole.settle.ms': {
        description: 'With file.format=whole: how long a file must stay unchanged before it is read.',
        type: 'integer',
        minimum: 0,
        default: 1000,
        examples: [5000],
      },
      'file.path.header': {
        description: 'Name of a header carrying the path of the file each record was read from. Default: no header.',
        type: 'string',
        minLength: 1,
        examples: ['file.path'],
      },
    },
    required: ['file.path'],
  },
  validate(config): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (config['file.key.field'] !== undefined && config['file.format'] !== 'json') {
      problems.push({ path: '/file.key.field', message: `needs file.format "json" (it is "${config['file.format']}"); use a key-from-field transform otherwise` });
    }
    return problems;
  },
  createTask: (config) => new FileSourceTask(config),
};
