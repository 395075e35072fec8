import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConnectorConfigError, UnknownConnectorError } from '../../../connectors/errors.js';
import { parseConfigText } from '../../../connectors/config/load-config.js';
import { testEngineCluster, tempDir } from '../../helpers.js';
import { testRuntime, topicValues } from '../helpers.js';

describe('ConnectRuntime', () => {
  test('validates every config before starting any: all problems of all configs in one error', async () => {
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    const a = parseConfigText('name: dup\nconnector: file-source\ntopic: t\nfile.path: /x\n', 'a.yaml');
    const b = parseConfigText('name: dup\nconnector: file-source\ntopic: t\nfile.path: /y\n', 'b.yaml');
    const c = parseConfigText('name: c\nconnector: file-sink\nfile.path: /z\n', 'c.yaml');
    const error = await runtime
      .start([a, b, c].map((f, i) => ({ config: f.config, options: { source: ['a.yaml', 'b.yaml', 'c.yaml'][i], locate: f.locate } })))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorConfigError);
    expect((error as ConnectorConfigError).problems).toEqual([
      expect.objectContaining({ file: 'b.yaml', line: 1, path: '/name', message: 'another connector is already named "dup" (a.yaml)' }),
      expect.objectContaining({ file: 'c.yaml', path: '/topics' }),
    ]);
    expect(runtime.statuses()).toEqual([]);
    expect(() => runtime.status('dup')).toThrow(UnknownConnectorError);
  });

  test('a name in use by a running connector is refused; after stop it can be started again', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'x\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    const config = { name: 'once', connector: 'file-source', topic: 't', 'file.path': file };
    await runtime.start(config);
    await expect(runtime.start(config)).rejects.toThrow(/another connector is already named "once" \(running\)/);
    await runtime.whenIdle({ settleMs: 50 });
    await runtime.stop('once');
    expect(runtime.status('once').state).toBe('stopped');
    await runtime.start(config);
    await runtime.whenIdle({ settleMs: 50 });
    expect(await topicValues(cluster, 't')).toEqual(['x']);
  });
});
