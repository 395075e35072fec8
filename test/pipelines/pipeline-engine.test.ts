/**
 * A pipeline file's `engine:` — data_dir, in_memory, bootstrap_servers (+ ssl, sasl) or jetstream —
 * validated with problems that name the line, and turned into `openCluster` options with the
 * command line's engine (`-b`, `--jetstream`) over the file's and the file's over `--data-dir`.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pipelineEngine } from '../../pipelines/pipeline-engine.js';
import { BASE, problemsOf, valid } from './helpers.js';

const withEngine = (engine: string): string => `${BASE}engine:\n${engine}`;

describe('pipeline engine', () => {
  test('bootstrap_servers as a comma-separated string or a list, with ssl and sasl, and ${ENV} interpolation', () => {
    const a = valid(withEngine('  bootstrap_servers: k1:9092, k2:9093\n  sasl: { mechanism: scram-sha-512, username: app, password: "${PW}" }\n  ssl: true\n'), { env: { PW: 'secret' } });
    expect(a.engine).toMatchObject({ bootstrapServers: ['k1:9092', 'k2:9093'], ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'app', password: 'secret' } });
    const b = valid(withEngine('  bootstrap_servers: ["${BROKER}"]\n'), { env: { BROKER: 'b1:9092' } });
    expect(pipelineEngine(b.engine)).toEqual({ bootstrapServers: ['b1:9092'], ssl: undefined, sasl: undefined });
  });

  test('two engines in one file are one problem naming both, at the engine line', () => {
    const problems = problemsOf(withEngine('  data_dir: ./d\n  bootstrap_servers: k1:9092\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toBe('give one of data_dir, in_memory: true, bootstrap_servers or jetstream, not data_dir and bootstrap_servers');
    // At the engine block (its first entry, right below the `engine:` line).
    expect(problems[0]).toMatchObject({ path: '/engine', line: BASE.split('\n').length + 1 });
    const js = problemsOf(withEngine('  bootstrap_servers: k1:9092\n  jetstream: { servers: nats://n1:4222 }\n'));
    expect(js.map((p) => p.message)).toEqual(['give one of data_dir, in_memory: true, bootstrap_servers or jetstream, not bootstrap_servers and jetstream']);
  });

  test('ssl or sasl without bootstrap_servers, a bad address and an unknown mechanism are problems', () => {
    expect(problemsOf(withEngine('  data_dir: ./d\n  ssl: true\n')).map((p) => p.message)).toContain('ssl and sasl apply to bootstrap_servers: give bootstrap_servers too');
    expect(problemsOf(withEngine('  bootstrap_servers: k1\n')).map((p) => p.path)).toContain('/engine/bootstrap_servers');
    expect(problemsOf(withEngine('  bootstrap_servers: k1:9092\n  sasl: { mechanism: gssapi, username: a, password: b }\n')).map((p) => p.path)).toContain('/engine/sasl/mechanism');
  });

  test('the command line wins over the file: -b keeps the file\'s ssl and sasl, --jetstream replaces it all', () => {
    const remote = valid(withEngine('  bootstrap_servers: k1:9092\n  sasl: { mechanism: plain, username: a, password: b }\n')).engine;
    expect(pipelineEngine(remote, { bootstrapServers: ['other:9092'], dataDir: '/ignored' })).toEqual({ bootstrapServers: ['other:9092'], ssl: undefined, sasl: { mechanism: 'plain', username: 'a', password: 'b' } });
    expect(pipelineEngine(remote, { jetstream: { servers: 'nats://n1:4222' } })).toEqual({ jetstream: { servers: 'nats://n1:4222', autoCreateTopics: false } });
    const js = valid(withEngine('  jetstream: { servers: nats://n1:4222, replicas: 3 }\n')).engine;
    expect(pipelineEngine(js, { dataDir: '/ignored' })).toEqual({ jetstream: { servers: 'nats://n1:4222', replicas: 3, prefix: 'sluice', autoCreateTopics: false } });
    expect(pipelineEngine(js, { bootstrapServers: ['k1:9092'] })).toMatchObject({ bootstrapServers: ['k1:9092'] });
    const dir = valid(withEngine('  data_dir: ./from-file\n')).engine;
    // The caller's data directory is final: sluice run passes the file's data_dir before --data-dir.
    expect(pipelineEngine(dir, { dataDir: '/cli' })).toEqual({ dataDir: '/cli', autoCreateTopics: false });
    expect(pipelineEngine(dir)).toEqual({ dataDir: path.resolve('from-file'), autoCreateTopics: false });
    expect(pipelineEngine(valid(BASE).engine, {})).toEqual({ dataDir: path.resolve('.sluice'), autoCreateTopics: false });
    expect(pipelineEngine(valid(withEngine('  in_memory: true\n')).engine, { dataDir: '/cli' })).toEqual({ inMemory: true, autoCreateTopics: false });
  });
});
