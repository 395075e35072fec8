/**
 * Catches a misspelled field in a step's expression (`stauts >= 500`): JSONata yields nothing for a
 * field the record lacks, so such a filter silently drops every record. The fields an expression
 * reads from the top of the record's value are taken from its syntax tree; once `sampleSize`
 * records went through the step and none had one of them, a warning is published on the
 * `sluice:pipeline:field-missing` diagnostics channel (the CLI logs it at warn level), once per
 * step. Only a warning: a field may be legitimately rare.
 */
import { channel } from 'node:diagnostics_channel';
import jsonata from 'jsonata';
import { didYouMean } from '../connectors/config/suggest.js';
import type { Expression, ExpressionRecord } from './expression.js';

export const FIELD_MISSING_CHANNEL = 'sluice:pipeline:field-missing';

/** What `FIELD_MISSING_CHANNEL` carries. */
export interface FieldMissingEvent {
  /** The step, as `stepLabel` names it. */
  step: string;
  expression: string;
  /** Fields the expression reads that no record of the sample had. */
  fields: string[];
  sampleSize: number;
  /** One sentence for people. */
  message: string;
}

const fieldMissing = channel(FIELD_MISSING_CHANNEL);

type Node = { type?: string; value?: unknown; steps?: Node[] } & Record<string, unknown>;

/** The field names an expression reads from the top of its input: `status` in `status >= 500`, `a` in `a.b`. */
export function topLevelFields(source: string): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const n = node as Node;
    if (n.type === 'lambda') return; // its body reads its parameters, not the record
    if (n.type === 'name' && typeof n.value === 'string') {
      found.add(n.value);
      return;
    }
    if (n.type === 'path' && Array.isArray(n.steps)) {
      // Only the first step reads the record; later ones read what the step before yielded.
      const [first] = n.steps;
      if (first?.type === 'name' && typeof first.value === 'string') found.add(first.value);
      else visit(first);
      return;
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'position' && key !== 'value') visit(value);
  };
  visit(jsonata(source).ast());
  return [...found];
}

/** `expression`, watched: see the file comment. */
export function watchFields(step: string, expression: Expression, sampleSize = 100): Expression {
  const pending = new Set(topLevelFields(expression.source));
  if (pending.size === 0) return expression;
  const seenKeys = new Set<string>();
  let seen = 0;
  return {
    source: expression.source,
    evaluate(record: ExpressionRecord, bindings?: Record<string, unknown>) {
      if (seen < sampleSize) {
        const value = record.value;
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          for (const key of Object.keys(value)) seenKeys.add(key);
          for (const field of pending) if (Object.hasOwn(value, field)) pending.delete(field);
        }
        if (++seen === sampleSize && pending.size > 0) report(step, expression.source, [...pending], [...seenKeys], sampleSize);
      }
      return expression.evaluate(record, bindings);
    },
  };
}

function report(step: string, source: string, fields: string[], keys: string[], sampleSize: number): void {
  const named = fields.map((f) => `"${f}"${didYouMean(f, keys)}`);
  const message = `${step}: none of the first ${sampleSize} records has the field${fields.length === 1 ? '' : 's'} ${named.join(', ')} that ${JSON.stringify(source)} reads`;
  if (fieldMissing.hasSubscribers) fieldMissing.publish({ step, expression: source, fields, sampleSize, message } satisfies FieldMissingEvent);
}
