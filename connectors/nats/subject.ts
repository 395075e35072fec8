/**
 * NATS subjects in configs: the patterns their JSON Schemas use, a readable explanation of what is
 * wrong with a bad one, and the templates sinks render subjects (and message ids) from and sources
 * render record keys from.
 *
 * Grammar (as nats-server accepts it):
 *
 *   subject  = token *( "." token )
 *   token    = 1*( any character but "." and whitespace )
 *   wildcard = "*" as a whole token (one token), ">" as the whole last token (one or more tokens)
 *
 * Templates put `{name}` placeholders inside tokens: `orders.{key}`, `{topic}.{header.region}`.
 *
 * @example
 *   const t = compileTemplate('events.{topic}.{key}', SINK_PLACEHOLDERS);
 *   t.render({ topic: 'orders', key: 'o-17' }); // 'events.orders.o-17'
 */

/** A subject to subscribe to: tokens without whitespace or empty tokens; `*` and a final `>` allowed. */
export const SUBSCRIBE_SUBJECT_PATTERN = '^(?:(?:[^.\\s*>]+|\\*)\\.)*(?:[^.\\s*>]+|\\*|>)$';

/** A subject template to publish to: no wildcards; `{…}` placeholders may stand in any token. */
export const PUBLISH_TEMPLATE_PATTERN = '^(?:[^.\\s*>{}]|\\{[^{}\\s]+\\})+(?:\\.(?:[^.\\s*>{}]|\\{[^{}\\s]+\\})+)*$';

/** A JetStream stream or consumer name: no whitespace, `.`, `*`, `>`, path separators. */
export const JETSTREAM_NAME_PATTERN = '^[^.\\s*>/\\\\]{1,255}$';

/**
 * Why `subject` is not a valid subject (to subscribe to when `wildcards`, to publish to otherwise),
 * as a phrase to follow the subject ("has an empty token (two dots in a row)"), or undefined when
 * it is fine.
 */
export function subjectProblem(subject: string, wildcards: boolean): string | undefined {
  if (subject === '') return 'is empty';
  if (/\s/.test(subject)) return 'contains whitespace';
  const tokens = subject.split('.');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === '') return `has an empty token (${i === 0 ? 'a leading dot' : i === tokens.length - 1 ? 'a trailing dot' : 'two dots in a row'})`;
    if (token === '>' && i !== tokens.length - 1 && wildcards) return 'has ">" before the last token (it matches the rest of a subject)';
    if ((token === '*' || token === '>') && !wildcards) return `has a wildcard ("${token}"), and messages are published to concrete subjects`;
    if (token !== '*' && token !== '>' && /[*>]/.test(token)) return 'has "*" or ">" inside a token (wildcards are whole tokens, as in orders.* or orders.>)';
  }
  return undefined;
}

// --- templates ---

/** Values a template is rendered from; `header` looks a header up by name (undefined when absent). */
export interface TemplateValues {
  topic?: string;
  partition?: number;
  offset?: number;
  key?: string | null;
  subject?: string;
  name?: string;
  header?: (name: string) => string | undefined;
}

/** Placeholders of sink subjects and message ids. */
export const SINK_PLACEHOLDERS = ['topic', 'partition', 'offset', 'key', 'name', 'header.<name>'] as const;
/** Placeholders of source record keys. */
export const SOURCE_PLACEHOLDERS = ['subject', 'subject.<n>', 'header.<name>'] as const;

type Part = string | ((values: TemplateValues) => string | undefined);

export interface Template {
  readonly text: string;
  /** True when the template has no placeholders (render always returns `text`). */
  readonly constant: boolean;
  /**
   * The rendered text.
   * @throws TemplateValueError when a placeholder has no value (a null key, a missing header).
   */
  render(values: TemplateValues): string;
  /** Like `render`, but a missing value renders as ''. */
  renderLenient(values: TemplateValues): string;
}

/** A placeholder had no value for this record (a null key, a missing header). */
export class TemplateValueError extends Error {
  constructor(readonly placeholder: string, message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Placeholders in `text` that are not among `allowed` (for config validation), e.g. `["{colour}"]`. */
export function unknownPlaceholders(text: string, allowed: readonly string[]): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) if (compilePlaceholder(m[1], allowed) === undefined) out.push(m[0]);
  return out;
}

function compilePlaceholder(name: string, allowed: readonly string[]): ((v: TemplateValues) => string | undefined) | undefined {
  if (name.startsWith('header.') && name.length > 7 && allowed.includes('header.<name>')) {
    const header = name.slice(7);
    return (v) => v.header?.(header);
  }
  const token = /^subject\.(\d+)$/.exec(name);
  if (token && allowed.includes('subject.<n>')) {
    const n = Number(token[1]);
    return (v) => v.subject?.split('.')[n];
  }
  if (!allowed.includes(name)) return undefined;
  switch (name) {
    case 'topic':
      return (v) => v.topic;
    case 'partition':
      return (v) => (v.partition === undefined ? undefined : String(v.partition));
    case 'offset':
      return (v) => (v.offset === undefined ? undefined : String(v.offset));
    case 'key':
      return (v) => v.key ?? undefined;
    case 'subject':
      return (v) => v.subject;
    case 'name':
      return (v) => v.name;
    default:
      return undefined;
  }
}

/**
 * Compiles a template of `{placeholder}`s and literal text.
 * @throws Error naming the first unknown placeholder (validate configs with `unknownPlaceholders`).
 */
export function compileTemplate(text: string, allowed: readonly string[]): Template {
  const parts: Part[] = [];
  const names: string[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    const get = compilePlaceholder(m[1], allowed);
    if (!get) throw new Error(`unknown placeholder ${m[0]} in "${text}" (known: ${allowed.map((a) => `{${a}}`).join(', ')})`);
    parts.push(get);
    names.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  const constant = names.length === 0;
  const render = (values: TemplateValues, lenient: boolean): string => {
    let out = '';
    let p = 0;
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const value = part(values);
      if (value === undefined) {
        if (!lenient) throw new TemplateValueError(names[p], `${names[p]} has no value for this record${names[p] === '{key}' ? ' (its key is null)' : names[p].startsWith('{header.') ? ' (no such header)' : ''}`);
      } else out += value;
      p++;
    }
    return out;
  };
  return {
    text,
    constant,
    render: constant ? () => text : (values) => render(values, false),
    renderLenient: constant ? () => text : (values) => render(values, true),
  };
}

/** What a field holds, for {@link explainPatterns}. */
export type SubjectFieldKind = 'subscribe' | 'publish-template' | 'jetstream-name';

/**
 * An `explainPattern` for connector types (see `connector.ts`): a readable reason for a subject,
 * subject template or stream/consumer name that fails its schema pattern, by field.
 */
export function explainPatterns(fields: { [field: string]: SubjectFieldKind }): (path: string, value: string) => string | undefined {
  return (path, value) => {
    const kind = fields[path.slice(1)];
    if (kind === undefined) return undefined;
    const shown = JSON.stringify(value);
    if (kind === 'jetstream-name') {
      if (value === '') return 'is empty';
      return `${shown} is not a valid JetStream name: no whitespace, ".", "*", ">", "/" or "\\" (at most 255 characters)`;
    }
    if (kind === 'subscribe') {
      const why = subjectProblem(value, true);
      return `${shown} is not a valid NATS subject${why ? `: it ${why}` : ''}`;
    }
    if (/\{[^}]*$|^[^{]*\}|\{[^{}]*\{|\{\}/.test(value)) return `${shown} is not a valid subject template: unbalanced or empty { } (placeholders look like {topic} or {header.region})`;
    const why = subjectProblem(value.replace(/\{[^{}]*\}/g, 'x'), false);
    return `${shown} is not a valid subject to publish to${why ? `: it ${why}` : ''}`;
  };
}
