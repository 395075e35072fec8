/** What a connector's error says about the record that failed: where it came from, which step, why. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir, testEngineCluster } from '../../helpers.js';
import { testRuntime, topicValues, waitFor } from '../helpers.js';

describe('connector record errors', () => {
  test('a JSONata filter failing on a line of a file names the file:line, the transform, the expression and JSONata\'s message', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'requests.jsonl');
    fs.writeFileSync(file, ['{"status":200}', '{"status":503}', '{"status":"oops"}', '{"status":404}', ''].join('\n'));
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start({
      name: 'requests',
      connector: 'file-source',
      topic: 'requests',
      'file.path': file,
      'file.format': 'json',
      'file.poll.interval.ms': 50,
      transforms: [{ type: 'filter', expression: 'status - 400 >= 0' }],
    });
    await waitFor('the connector to fail', () => runtime.status('requests').state === 'failed');
    const message = runtime.status('requests').error!.message;
    expect(message).toBe(
      `TRANSFORMATION: record from ${file}:3 of connector "requests" failed (errors.tolerance=none): transforms[0] (filter): ` +
        'JSONata expression "status - 400 >= 0" failed at character 8 (token "-"): The left side of the "-" operator must evaluate to a number (T2001)',
    );
    // The records before the failing one were written.
    expect(await topicValues(cluster, 'requests')).toEqual(['{"status":503}']);
  });
});
