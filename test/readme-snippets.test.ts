/**
 * The README's TypeScript snippets run as written — importing `sluice` as a user would (the
 * package's exports, so the built `dist/`) — and run again in the same directory: a second run
 * finds its topics, its group's offsets and its state store already there.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { collect, output } from './cli/cli-helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function snippets(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('README snippets', () => {
  it('the embedding, consumer group, transactions and streams snippets run as written, twice in a row', async () => {
    expect(fs.existsSync(path.join(ROOT, 'dist/core/index.js')), 'the snippets import the built package: npm run build').toBe(true);
    const [embedding, group, transactions, streams, ...others] = snippets();
    expect(others).toEqual([]);
    // Inside the package, so that `import … from 'sluice'` resolves to the package itself.
    const dir = fs.mkdtempSync(path.join(ROOT, '.readme-run-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const start = (name: string, code: string) => {
      fs.writeFileSync(path.join(dir, name), code);
      return spawn(process.execPath, ['--import', 'tsx', name], { cwd: dir, env: { ...process.env, SLUICE_DATA_DIR: undefined } });
    };
    for (const run of [1, 2]) {
      const first = await collect(start('embedding.ts', embedding));
      expect(first, `embedding, run ${run}`).toMatchObject({ code: 0, stderr: '', stdout: `${run - 1} hello\n` });

      const committed = await collect(start('transactions.ts', transactions));
      expect(committed, `transactions, run ${run}`).toMatchObject({ code: 0, stderr: '', stdout: 'invoice 42\n' });

      const members = await collect(start('group.ts', group));
      expect(members.code, members.stderr).toBe(0);
      // The group resumes after its committed offsets: each run reads the one record the embedding snippet added.
      expect(members.stdout, `group, run ${run}`).toMatch(new RegExp(`^\\d+ ${run - 1} hello\n$`));

      const app = start('streams.ts', streams);
      app.stdin.end();
      const done = output(app);
      let stdout = '';
      app.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        app.stdout.on('data', () => /^sluice \d+\n/.test(stdout) && resolve());
        app.on('exit', (code) => reject(new Error(`streams snippet exited ${code} before printing: ${stdout}`)));
      });
      expect(Number(/^sluice (\d+)/.exec(stdout)![1])).toBeGreaterThanOrEqual(1);
      app.kill('SIGTERM'); // installShutdownHandlers: drain, commit, close, exit 0
      expect(await done, `streams, run ${run}`).toMatchObject({ code: 0, stderr: '' });
    }
  }, 240_000);
});
