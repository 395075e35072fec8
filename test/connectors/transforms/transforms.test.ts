import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileTransforms, TransformError, TRANSFORMS_BY_TYPE, type TransformRecord } from '../../../connectors/transforms/index.js';
import { compileFieldPath } from '../../../connectors/transforms/field-path.js';

async function run(entries: Record<string, unknown>[], record: Partial<TransformRecord>): Promise<TransformRecord | null> {
  const chain = compileTransforms(entries as ({ type: string } & Record<string, unknown>)[], TRANSFORMS_BY_TYPE);
  return chain.apply({ topic: 't', key: null, value: null, ...record });
}

describe('transforms', () => {
  test('insert-field sets a constant (a fresh copy each time) or an expression, creating intermediate objects', async () => {
    const chain = compileTransforms([{ type: 'insert-field', field: 'meta.tags', value: ['a'] }], TRANSFORMS_BY_TYPE);
    const first = (await chain.apply({ topic: 't', key: null, value: { x: 1 } }))!;
    const second = (await chain.apply({ topic: 't', key: null, value: {} }))!;
    expect(first.value).toEqual({ x: 1, meta: { tags: ['a'] } });
    ((first.value as { meta: { tags: string[] } }).meta.tags).push('mutated');
    expect(second.value).toEqual({ meta: { tags: ['a'] } });
    const computed = await run([{ type: 'insert-field', field: 'where', expression: '$topic & "/" & $string($partition) & "/" & $string($offset) & "/" & $key' }], {
      topic: 'orders',
      partition: 2,
      offset: 9,
      key: 'k',
      value: {},
    });
    expect(computed!.value).toEqual({ where: 'orders/2/9/k' });
  });

  test('field transforms parse a bytes or string value holding a JSON object', async () => {
    const out = await run([{ type: 'drop-field', fields: ['secret', 'nested.x'] }], { value: Buffer.from('{"secret":1,"keep":2,"nested":{"x":1,"y":2}}') });
    expect(out!.value).toEqual({ keep: 2, nested: { y: 2 } });
    await expect(run([{ type: 'drop-field', fields: 'a' }], { value: 'plain text' })).rejects.toThrow(TransformError);
    expect(() => compileTransforms([{ type: 'drop-field', fields: 'a' }], TRANSFORMS_BY_TYPE).apply({ topic: 't', key: null, value: 'plain text' })).toThrow(
      'transforms[0] (drop-field): drop-field needs an object value; the value is a string that are not a JSON object',
    );
  });

  test('rename-field moves a value, leaves a missing field alone', async () => {
    expect((await run([{ type: 'rename-field', from: 'usr', to: 'user.name' }], { value: { usr: 'ann', n: 1 } }))!.value).toEqual({ n: 1, user: { name: 'ann' } });
    expect((await run([{ type: 'rename-field', from: 'usr', to: 'user' }], { value: { n: 1 } }))!.value).toEqual({ n: 1 });
  });

  test('key-from-field: the key becomes a field; missing gives null, or an error with on.missing=error', async () => {
    expect((await run([{ type: 'key-from-field', field: 'c.id', 'on.missing': 'null' }], { value: { c: { id: 42 } } }))!.key).toBe(42);
    expect((await run([{ type: 'key-from-field', field: 'c.id', 'on.missing': 'null' }], { key: 'old', value: {} }))!.key).toBeNull();
    expect(() => compileTransforms([{ type: 'key-from-field', field: 'c.id', 'on.missing': 'error' }], TRANSFORMS_BY_TYPE).apply({ topic: 't', key: null, value: {} })).toThrow(
      /the value has no field "c\.id"/,
    );
  });

  test('timestamp-from-field reads epoch ms, epoch s and ISO-8601', async () => {
    const ts = (format: string, v: unknown): Promise<TransformRecord | null> => run([{ type: 'timestamp-from-field', field: 'at', format }], { value: { at: v } });
    expect((await ts('auto', 1700000000123))!.timestamp).toBe(1700000000123);
    expect((await ts('auto', '2024-01-31T14:00:00Z'))!.timestamp).toBe(Date.UTC(2024, 0, 31, 14));
    expect((await ts('epoch-s', '1700000000'))!.timestamp).toBe(1700000000000);
    expect((await ts('iso8601', '2024-01-31T14:00:00.5+01:00'))!.timestamp).toBe(Date.UTC(2024, 0, 31, 13, 0, 0, 500));
    await expect(ts('iso8601', 'yesterday')).rejects.toThrow(/holds "yesterday", not a timestamp/);
  });

  test('filter keeps records whose expression is truthy; bindings see key, topic and headers', async () => {
    const entries = [{ type: 'filter', expression: 'level in ["warn","error"] and $headers.env = "prod" and $key = "k"' }];
    const headers = { env: 'prod' };
    expect(await run(entries, { key: 'k', value: { level: 'warn' }, headers })).not.toBeNull();
    expect(await run(entries, { key: 'k', value: { level: 'debug' }, headers })).toBeNull();
    expect(await run(entries, { key: 'other', value: { level: 'error' }, headers })).toBeNull();
    expect(await run([{ type: 'filter', expression: '$contains($, "ERROR")' }], { value: Buffer.from('2024 ERROR x') })).not.toBeNull();
  });

  test('a chain runs in order and stops at the first drop', async () => {
    const out = await run(
      [
        { type: 'rename-field', from: 'a', to: 'b' },
        { type: 'filter', expression: 'b > 1' },
        { type: 'insert-field', field: 'seen', value: true },
      ],
      { value: { a: 2 } },
    );
    expect(out!.value).toEqual({ b: 2, seen: true });
    expect(await run([{ type: 'filter', expression: 'false' }, { type: 'drop-field', fields: 'x' }], { value: 'not an object' })).toBeNull();
  });

  test('synchronous chains stay synchronous (no promise per record)', () => {
    const chain = compileTransforms([{ type: 'drop-field', fields: 'x' }, { type: 'rename-field', from: 'a', to: 'b' }], TRANSFORMS_BY_TYPE);
    const out = chain.apply({ topic: 't', key: null, value: { x: 1, a: 2 } });
    expect(out).not.toBeInstanceOf(Promise);
    expect((out as TransformRecord).value).toEqual({ b: 2 });
  });
});

describe('field paths', () => {
  test('set then get returns the value; delete removes it (property)', () => {
    const segment = fc.stringMatching(/^[a-z]{1,5}$/);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.jsonValue(), (segments, value) => {
        const p = compileFieldPath(segments.join('.'));
        const root: Record<string, unknown> = {};
        expect(p.set(root, value)).toBe(true);
        expect(p.get(root)).toEqual(value);
        expect(p.delete(root)).toBe(true);
        expect(p.get(root)).toBeUndefined();
      }),
    );
  });

  test('a step that is not an object cannot be set through', () => {
    expect(compileFieldPath('a.b').set({ a: 5 }, 1)).toBe(false);
    expect(() => compileFieldPath('a..b')).toThrow(/empty segment/);
  });
});
