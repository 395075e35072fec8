import { describe, expect, it } from 'vitest';
import { interpolateString } from '../../pipelines/index.js';
import { BASE, problemsOf, valid } from './helpers.js';

describe('interpolateString', () => {
  const env = { HOME: '/home/ada', EMPTY: '', PORT: '4222' };

  it('substitutes ${VAR}', () => {
    expect(interpolateString('${HOME}/data', env)).toEqual({ text: '/home/ada/data', unset: [] });
    expect(interpolateString('nats://localhost:${PORT}', env).text).toBe('nats://localhost:4222');
  });

  it('leaves text without references alone', () => {
    expect(interpolateString('plain $HOME {x} $', env)).toEqual({ text: 'plain $HOME {x} $', unset: [] });
  });

  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    expect(interpolateString('${NOPE:-./data}', env).text).toBe('./data');
    expect(interpolateString('${EMPTY:-fallback}', env).text).toBe('fallback');
    expect(interpolateString('${HOME:-fallback}', env).text).toBe('/home/ada');
    expect(interpolateString('${NOPE:-}', env).text).toBe('');
  });

  it('accepts the connector configs\' ${VAR:default} form', () => {
    expect(interpolateString('${NOPE:./data}', env).text).toBe('./data');
  });

  it('keeps an empty variable without a default as empty', () => {
    expect(interpolateString('[${EMPTY}]', env)).toEqual({ text: '[]', unset: [] });
  });

  it('writes $${ as a literal ${', () => {
    expect(interpolateString('$${HOME} is ${HOME}', env).text).toBe('${HOME} is /home/ada');
    expect(interpolateString('$${NOPE}', env)).toEqual({ text: '${NOPE}', unset: [] });
  });

  it('reports each unset variable with its index, leaving it as written', () => {
    expect(interpolateString('a ${ONE} b ${HOME} c ${TWO}', env)).toEqual({
      text: 'a ${ONE} b /home/ada c ${TWO}',
      unset: [
        { name: 'ONE', index: 2 },
        { name: 'TWO', index: 21 },
      ],
    });
  });
});

describe('interpolation in pipeline files', () => {
  it('happens before validation: an unquoted number becomes a number', () => {
    const p = valid(BASE.replace('partitions: 2 }', 'partitions: 2 }\n  more:\n    partitions: ${PARTS:-3}'), { env: { PARTS: '6' } });
    expect(p.topics.get('more')!.partitions).toBe(6);
    expect(valid(BASE.replace('partitions: 2 }', 'partitions: 2 }\n  more:\n    partitions: ${PARTS:-3}')).topics.get('more')!.partitions).toBe(3);
  });

  it('a quoted reference becomes a number or boolean where the schema wants one', () => {
    const text = `${BASE.replace('orders: { partitions: 2 }', 'orders: { partitions: "${PARTS}" }')}engine: { in_memory: "\${MEM:-true}" }\n`;
    const p = valid(text, { env: { PARTS: '2' } });
    expect(p.topics.get('orders')!.partitions).toBe(2);
    expect(p.engine.inMemory).toBe(true);
  });

  it('a quoted reference stays a string where the schema wants one', () => {
    const p = valid(`${BASE}engine: { data_dir: "\${DIR}" }\n`, { env: { DIR: '42' } });
    expect(p.engine.dataDir).toBe('42');
  });

  it('a substituted value that is still wrong is reported at the value', () => {
    const [p] = problemsOf(BASE.replace('orders: { partitions: 2 }', 'orders:\n    partitions: ${PARTS}'), { env: { PARTS: 'many' } });
    expect(p).toMatchObject({ line: 4, column: 17, message: 'must be an integer, got the string "many"' });
  });

  it('an unset variable is reported once, not also as what its placeholder fails to be', () => {
    const problems = problemsOf(BASE.replace('- from: orders', '- from: ${TOPIC}').replace('orders: { partitions: 2 }', 'orders:\n    partitions: ${PARTS}'));
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '4:17 environment variable PARTS is not set (set it, or give a default: ${PARTS:-value})',
      '7:11 environment variable TOPIC is not set (set it, or give a default: ${TOPIC:-value})',
    ]);
  });

  it('a reference inside a flow mapping must be quoted, and the syntax error says so', () => {
    const [p] = problemsOf(BASE.replace('partitions: 2', 'partitions: ${PARTS:-2}'));
    expect(p.message).toMatch(/^YAML syntax error: .*\(inside \{ \} or \[ \], quote a \$\{…\} reference: "\$\{VAR\}"\)$/);
  });

  it('sets PIPELINE_DIR to the directory of the file', () => {
    const p = valid(`${BASE}engine: { data_dir: "\${PIPELINE_DIR}/data" }\n`, { file: '/srv/jobs/p.yaml' });
    expect(p.engine.dataDir).toBe('/srv/jobs/data');
  });

  it('does not touch keys or expressions\' own $variables', () => {
    const p = valid(BASE.replace('- filter: total > 0', () => '- filter: $key = "a" and $$x = 1'));
    const step = p.streams[0].steps[0];
    expect(step.type === 'filter' && step.expression.source).toBe('$key = "a" and $$x = 1');
  });
});
