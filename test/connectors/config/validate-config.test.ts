import { describe, expect, test } from 'vitest';
import { InvalidConfigError } from '../../../core/index.js';
import { ConfigValidator } from '../../../connectors/config/validate-config.js';
import { parseConfigText } from '../../../connectors/config/load-config.js';
import { ConnectorConfigError } from '../../../connectors/errors.js';
import { createRegistry } from '../../../connectors/registry.js';

const validator = new ConfigValidator(createRegistry());

/** The error `validate` throws for `config` (fails the test if it does not throw). */
function problemsOf(config: unknown, options?: Parameters<ConfigValidator['validate']>[1]): ConnectorConfigError {
  try {
    validator.validate(config, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorConfigError);
    expect(error).toBeInstanceOf(InvalidConfigError);
    return error as ConnectorConfigError;
  }
  throw new Error('expected the config to be invalid');
}

const source = { name: 'logs', connector: 'file-source', topic: 'logs', 'file.path': '/var/log/app.log' };

describe('ConfigValidator', () => {
  test('accepts a valid config and fills in defaults', () => {
    const config = validator.validate(source);
    expect(config['file.format']).toBe('lines');
    expect(config['value.converter']).toBe('string');
    expect(config['errors.tolerance']).toBe('none');
    expect(config.transforms).toEqual([]);
  });

  test('a missing required field is named by its path', () => {
    const error = problemsOf({ name: 'logs', connector: 'file-source', topic: 'logs' });
    expect(error.problems).toEqual([{ path: '/file.path', message: 'is required but missing' }]);
    expect(error.message).toContain('/file.path: is required but missing');
  });

  test('a wrong type names the path, the expected and the actual type', () => {
    const error = problemsOf({ ...source, 'file.path': 42 });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].path).toBe('/file.path');
    expect(error.problems[0].message).toBe('must be a string or an array, got number 42');
  });

  test('an unknown connector type suggests the closest known one', () => {
    const error = problemsOf({ ...source, connector: 'file-sorce' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].path).toBe('/connector');
    expect(error.problems[0].message).toBe('unknown connector type "file-sorce" (did you mean "file-source"?)');
  });

  test('an unknown field is named, with a suggestion when one is close', () => {
    const error = problemsOf({ ...source, 'file.formt': 'json', colour: 'blue' });
    expect(error.problems).toEqual([
      { path: '/file.formt', message: 'unknown field "file.formt" (did you mean "file.format"?)' },
      { path: '/colour', message: 'unknown field "colour"' },
    ]);
  });

  test('an enum names the allowed values', () => {
    const error = problemsOf({ ...source, 'errors.tolerance': 'some' });
    expect(error.problems).toEqual([{ path: '/errors.tolerance', message: 'must be one of "none", "all", got "some" (did you mean "none"?)' }]);
  });

  test('a bad JSONata expression names the transform and the position', () => {
    const error = problemsOf({ ...source, transforms: [{ type: 'drop-field', fields: 'x' }, { type: 'filter', expression: 'level = ' }] });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].path).toBe('/transforms/1/expression');
    expect(error.problems[0].message).toMatch(/^invalid JSONata expression "level = " at character \d+: /);
  });

  test('an unknown transform type lists the known ones; a transform\'s unknown field is named', () => {
    const error = problemsOf({ ...source, transforms: [{ type: 'uppercase' }, { type: 'rename-field', from: 'a', too: 'b' }] });
    const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p.message]));
    expect(Object.keys(byPath).sort()).toEqual(['/transforms/0/type', '/transforms/1/to', '/transforms/1/too']);
    expect(byPath['/transforms/0/type']).toMatch(/unknown transform type "uppercase" \(known: insert-field, drop-field, rename-field, key-from-field, timestamp-from-field, filter\)/);
    expect(byPath['/transforms/1/too']).toMatch(/unknown field "too" \(did you mean "to"\?\)/);
    expect(byPath['/transforms/1/to']).toBe('is required but missing');
  });

  test('every problem is reported at once, in one message', () => {
    const error = problemsOf({ connector: 'file-source', topic: 7, 'file.path': '', extra: true, transforms: [{ type: 'filter', expression: '(' }] });
    const paths = error.problems.map((p) => p.path).sort();
    expect(paths).toEqual(['/extra', '/file.path', '/name', '/topic', '/transforms/0/expression']);
    for (const p of paths) expect(error.message).toContain(`${p}: `);
    expect(error.message).toMatch(/^invalid connector config, 5 problems:\n/);
  });

  test('with an unknown connector, the common fields are still checked', () => {
    const error = problemsOf({ name: 'x y', connector: 'nope', 'errors.tolerance': 'maybe' });
    expect(error.problems.map((p) => p.path).sort()).toEqual(['/connector', '/errors.tolerance', '/name']);
  });

  test('cross-field rules: a dead-letter topic needs errors.tolerance=all; a sink needs topics', () => {
    const error = problemsOf({ name: 'out', connector: 'file-sink', 'file.path': '/tmp/x', 'errors.deadletterqueue.topic.name': 'dlq' });
    expect(error.problems).toEqual([
      { path: '/topics', message: 'a sink needs "topics" (or "topic"): the topics to read' },
      { path: '/errors.deadletterqueue.topic.name', message: expect.stringContaining('errors.tolerance "all"') },
    ]);
  });

  test('connector-specific checks: an unknown placeholder in the file sink path', () => {
    const error = problemsOf({ name: 'out', connector: 'file-sink', topics: 'a,b', 'file.path': '/tmp/{topic}/{week}.log' });
    expect(error.problems).toEqual([{ path: '/file.path', message: expect.stringContaining('unknown placeholder {week}') }]);
  });

  test('sink topics as a comma-separated string are checked by pattern', () => {
    expect(validator.validate({ name: 'out', connector: 'file-sink', topics: 'a,b', 'file.path': '/tmp/x' }).topics).toBe('a,b');
    const error = problemsOf({ name: 'out', connector: 'file-sink', topics: ['ok', 'not ok'], 'file.path': '/tmp/x' });
    expect(error.problems.map((p) => p.path)).toEqual(['/topics/1']);
  });

  test('not an object', () => {
    expect(problemsOf([1, 2]).problems).toEqual([{ path: '', message: 'must be an object (a mapping of fields), got an array' }]);
  });
});

describe('config files', () => {
  test('YAML problems carry the file, line and column', () => {
    const text = ['name: logs', 'connector: file-source', 'topic: logs', 'file.path: 42', 'colour: blue', 'transforms:', '  - type: filter', '    expression: "a ="', ''].join('\n');
    const { config, locate } = parseConfigText(text, 'logs.yaml');
    const error = problemsOf(config, { source: 'logs.yaml', locate });
    expect(error.problems).toEqual([
      expect.objectContaining({ path: '/file.path', file: 'logs.yaml', line: 4, column: 12 }),
      expect.objectContaining({ path: '/colour', file: 'logs.yaml', line: 5, column: 1 }),
      expect.objectContaining({ path: '/transforms/0/expression', file: 'logs.yaml', line: 8, column: 17 }),
    ]);
    expect(error.message).toContain('logs.yaml:4:12 /file.path: must be a string or an array, got number 42');
  });

  test('JSON files are located too', () => {
    const text = '{\n  "name": "logs",\n  "connector": "file-source",\n  "topic": "logs",\n  "file.path": "/x",\n  "file.format": "xml"\n}\n';
    const { config, locate } = parseConfigText(text, 'logs.json');
    const error = problemsOf(config, { source: 'logs.json', locate });
    expect(error.problems).toEqual([expect.objectContaining({ path: '/file.format', line: 6, column: 18 })]);
  });

  test('a YAML !!binary value is one ConnectorConfigError at its line, not a list of Buffer methods', () => {
    const error = (() => {
      try {
        parseConfigText('name: a\nconnector: file-source\ntopic: t\nfile.path: !!binary L3RtcC94\n', 'bin.yaml');
      } catch (e) {
        return e as ConnectorConfigError;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(ConnectorConfigError);
    expect(error.problems).toEqual([expect.objectContaining({ file: 'bin.yaml', line: 4, message: expect.stringMatching(/^YAML tag !!binary is not supported/) })]);
  });

  test('a syntax error is a ConnectorConfigError with its line', () => {
    expect(() => parseConfigText('name: a\n  bad: [\n', 'bad.yaml')).toThrow(ConnectorConfigError);
    try {
      parseConfigText('name: a\nname: b\n', 'dup.yaml');
    } catch (error) {
      expect((error as ConnectorConfigError).problems[0]).toMatchObject({ file: 'dup.yaml', line: 2 });
      expect((error as Error).message).toMatch(/unique/);
    }
  });

  test('environment variables are interpolated; an unset one is a problem at its path', () => {
    const { config } = parseConfigText('name: ${NAME}\ntopic: ${TOPIC:logs}\nliteral: $${KEEP}\n', 'env.yaml', { NAME: 'from-env' });
    expect(config).toEqual({ name: 'from-env', topic: 'logs', literal: '${KEEP}' });
    expect(() => parseConfigText('name: x\nfile.path: ${MISSING}\n', 'env.yaml', {})).toThrow(
      /env\.yaml:2:\d+ \/file\.path: environment variable MISSING is not set \(set it, or give a default: \$\{MISSING:-value\}\)/,
    );
  });

  test('${VAR:-default} is the pipeline files\' syntax too: unset or empty falls back', () => {
    const { config } = parseConfigText('name: ${NAME:-fallback}\ntopic: ${EMPTY:-logs}\nfile.path: ${DIR:-/tmp}/in\n', 'env.yaml', { EMPTY: '', DIR: '/data' });
    expect(config).toEqual({ name: 'fallback', topic: 'logs', 'file.path': '/data/in' });
  });
});
