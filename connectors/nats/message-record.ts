/**
 * How the NATS sources turn a message into a record: the value is the payload (bytes; the
 * `value.converter` decides what they become), the key comes from the `nats.key` template
 * (default: the subject), the NATS headers become record headers, and an optional header carries
 * the subject.
 */
import type { MsgHdrs } from '@nats-io/transport-node';
import type { RecordHeader } from '../../core/index.js';
import type { JsonSchema } from '../connector.js';
import { recordHeadersOf } from './nats-headers.js';
import { compileTemplate, SOURCE_PLACEHOLDERS, type Template } from './subject.js';

export interface MessageRecordConfig {
  'nats.key': string | null;
  'nats.subject.header'?: string;
}

/** The schema of the fields above (shared by both sources). */
export const MESSAGE_RECORD_PROPERTIES: { [field: string]: JsonSchema } = {
  'nats.key': {
    description: 'Record key template: {subject} (the message subject), {subject.N} (its N-th token, from 0), {header.NAME} (a header\'s first value) and literal text. A missing header renders empty; an empty result, or null, means no key.',
    type: ['string', 'null'],
    default: '{subject}',
    examples: ['{subject}', '{subject.2}', '{header.Order-Id}', null],
  },
  'nats.subject.header': {
    description: 'Name of a record header that receives the message subject. Default: none.',
    type: 'string',
    minLength: 1,
    examples: ['nats.subject'],
  },
};

/** A message as both sources see it (core `Msg` and JetStream `JsMsg` fit). */
export interface NatsMessageLike {
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs;
}

/** Builds the key, value and headers of records from messages, per the config. */
export class MessageRecordMapper {
  readonly #key: Template | null;
  readonly #subjectHeader: string | undefined;
  readonly #keyIsSubject: boolean;

  constructor(config: MessageRecordConfig) {
    this.#key = config['nats.key'] === null || config['nats.key'] === '' ? null : compileTemplate(config['nats.key'], SOURCE_PLACEHOLDERS);
    this.#subjectHeader = config['nats.subject.header'];
    this.#keyIsSubject = config['nats.key'] === '{subject}';
  }

  key(msg: NatsMessageLike): string | null {
    const template = this.#key;
    if (template === null) return null;
    if (this.#keyIsSubject) return msg.subject;
    const h = msg.headers;
    const key = template.renderLenient({ subject: msg.subject, header: h ? (name) => (h.has(name) ? h.get(name) : undefined) : undefined });
    return key === '' ? null : key;
  }

  /** The payload as a Buffer view (no copy). */
  value(msg: NatsMessageLike): Buffer {
    const d = msg.data;
    return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  }

  headers(msg: NatsMessageLike): RecordHeader[] {
    const out = recordHeadersOf(msg.headers);
    if (this.#subjectHeader !== undefined) out.push({ key: this.#subjectHeader, value: Buffer.from(msg.subject, 'utf8') });
    return out;
  }
}
