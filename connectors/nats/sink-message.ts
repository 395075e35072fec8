/**
 * How the NATS sinks turn a record into a message: the subject from the `nats.subject` template
 * (`{topic}`, `{partition}`, `{offset}`, `{key}`, `{header.NAME}`, `{name}`), the value as the
 * payload (bytes as they are, text as UTF-8, JSON values as JSON text, null as empty), the record
 * headers as NATS headers (see `nats-headers.ts`).
 */
import type { JsonSchema, SinkRecord } from '../connector.js';
import { natsHeadersOf, recordHeaderText } from './nats-headers.js';
import { WireHeaders } from './wire-headers.js';
import { compileTemplate, PUBLISH_TEMPLATE_PATTERN, SINK_PLACEHOLDERS, subjectProblem, unknownPlaceholders, type Template, type TemplateValues } from './subject.js';
import type { ConfigProblem } from '../connector.js';

export interface SinkMessageConfig {
  'nats.subject': string;
  'nats.headers': boolean;
}

export const SINK_MESSAGE_PROPERTIES: { [field: string]: JsonSchema } = {
  'nats.subject': {
    description: 'Subject template to publish to: literal tokens and placeholders {topic}, {partition}, {offset}, {key}, {header.NAME}, {name} (the connector). No wildcards. A record whose key or header is missing, or whose values make an invalid subject, is rejected (errors.tolerance decides).',
    type: 'string',
    pattern: PUBLISH_TEMPLATE_PATTERN,
    examples: ['orders.created', 'events.{topic}', 'orders.{header.region}.{key}'],
  },
  'nats.headers': {
    description: 'Send the record headers as NATS headers (except Nats-* ones, which JetStream would act on).',
    type: 'boolean',
    default: true,
    examples: [false],
  },
};

/** Problems of `nats.subject` beyond its pattern: unknown placeholders. */
export function sinkSubjectProblems(config: SinkMessageConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const subject = config['nats.subject'];
  for (const p of unknownPlaceholders(subject, SINK_PLACEHOLDERS)) {
    problems.push({ path: '/nats.subject', message: `unknown placeholder ${p} (known: {topic}, {partition}, {offset}, {key}, {header.NAME}, {name})` });
  }
  if (problems.length === 0 && !/\{/.test(subject)) {
    const bad = subjectProblem(subject, false);
    if (bad) problems.push({ path: '/nats.subject', message: `${JSON.stringify(subject)} ${bad}` });
  }
  return problems;
}

/** Text of a key or header-ish value for templates. */
export function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The payload of a record's value. */
export function payloadOf(value: unknown): Uint8Array {
  if (value === null || value === undefined) return EMPTY;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}

const EMPTY = new Uint8Array(0);

/** Renders subjects and headers of records for one sink config. */
export class SinkMessageMapper {
  readonly #subject: Template;
  readonly #headers: boolean;
  readonly #name: string;
  readonly #subjectNeedsCheck: boolean;
  /** Rendered subjects already found valid (most templates yield few distinct subjects). */
  #validSubjects = new Set<string>();

  constructor(config: SinkMessageConfig & { name: string }) {
    this.#subject = compileTemplate(config['nats.subject'], SINK_PLACEHOLDERS);
    this.#headers = config['nats.headers'];
    this.#name = config.name;
    this.#subjectNeedsCheck = !this.#subject.constant;
  }

  /** Values of `record` for templates. */
  values(record: SinkRecord): TemplateValues {
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      key: textOf(record.key),
      name: this.#name,
      header: (name) => recordHeaderText(record.headers, name),
    };
  }

  /**
   * The subject of `record`.
   * @throws Error when a placeholder has no value or the result is not a valid subject.
   */
  subject(record: SinkRecord, values?: TemplateValues): string {
    if (!this.#subjectNeedsCheck) return this.#subject.text;
    const subject = this.#subject.render(values ?? this.values(record));
    if (this.#validSubjects.has(subject)) return subject;
    const bad = subjectProblem(subject, false);
    if (!bad) {
      if (this.#validSubjects.size >= 10_000) this.#validSubjects = new Set();
      this.#validSubjects.add(subject);
      return subject;
    }
    throw new Error(`subject ${JSON.stringify(subject)} (from template "${this.#subject.text}") ${bad}`);
  }

  /**
   * NATS headers of `record` (when `nats.headers`), plus `extra` (set, not appended), or undefined.
   * @throws Error for a header NATS cannot carry.
   */
  headers(record: SinkRecord, extra?: readonly [string, string][]): WireHeaders | undefined {
    let h: WireHeaders | undefined;
    if (this.#headers && record.headers.length > 0) h = natsHeadersOf(record.headers);
    if (extra) {
      h ??= new WireHeaders();
      for (const [k, v] of extra) h.set(k, v);
    }
    return h;
  }
}
