import { describe, expect, it } from 'vitest';
import { cliSession, collect, waitFor } from './cli-helpers.js';

const ROW = '%p %o %k %s\n';

describe('sluice produce and consume', () => {
  it('round-trips lines without a key, to one partition', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 'lines', '-p', '2']);
    const produced = await run(['--data-dir', dir, 'produce', 'lines', '-p', '1'], { input: 'hello\nwörld\n\nlast line without newline' });
    expect(produced).toMatchObject({ code: 0, stdout: '', stderr: '4 records acknowledged\n' });
    const consumed = await run(['--data-dir', dir, 'consume', 'lines', '-o', 'beginning', '-e', '-f', ROW]);
    expect(consumed).toMatchObject({ code: 0, stderr: '' });
    expect(consumed.stdout).toBe('1 0  hello\n1 1  wörld\n1 2  \n1 3  last line without newline\n');
  });

  // One process at a time owns a data dir, so the four produce runs go one after the other.
  it('produce -z gzip|snappy|lz4|zstd writes compressed batches that consume reads back', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 'z']);
    const expected: string[] = [];
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = Array.from({ length: 30 }, (_, i) => `k${i % 3}:${codec} line ${i} ${'x'.repeat(i)}`);
      const produced = await run(['--data-dir', dir, 'produce', 'z', '-K', ':', '-z', codec], { input: `${lines.join('\n')}\n` });
      expect(produced).toMatchObject({ code: 0, stderr: '30 records acknowledged\n' });
      expected.push(...lines);
    }
    const consumed = await run(['--data-dir', dir, 'consume', 'z', '-o', 'beginning', '-e', '-f', '%k:%s\\n']);
    expect(consumed).toMatchObject({ code: 0, stderr: '' });
    expect(consumed.stdout).toBe(`${expected.join('\n')}\n`);
  });

  it('produce -z refuses a codec Kafka does not have', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const result = await run(['--data-dir', tempDir(), 'produce', 'z', '-z', 'brotli']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/brotli/);
  });

  it('splits keys with -K (a line without the separator has a null key) and partitions by key', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 'kv', '-p', '1']);
    const produced = await run(['--data-dir', dir, 'produce', 'kv', '-K', '::'], { input: 'a::1\nb::2::x\nno key\n::empty key\n' });
    expect(produced.stderr).toBe('4 records acknowledged\n');
    const consumed = await run(['--data-dir', dir, 'consume', 'kv', '-o', 'beginning', '-e', '-f', '%t|%p|%o|%k|%s|%K|%S|%h\\n']);
    expect(consumed.stdout).toBe('kv|0|0|a|1|1|1|\nkv|0|1|b|2::x|1|4|\nkv|0|2||no key|-1|6|\nkv|0|3||empty key|0|9|\n');

    // Same key → same partition, as Kafka's partitioner picks it.
    await run(['--data-dir', dir, 'topics', 'create', 'keyed', '-p', '4']);
    await run(['--data-dir', dir, 'produce', 'keyed', '-K', ':'], { input: 'k1:a\nk2:b\nk1:c\nk2:d\nk1:e\n' });
    const all = await run(['--data-dir', dir, 'consume', 'keyed', '-o', 'beginning', '-e', '-f', '%k %p %s\n']);
    const rows = all.stdout.trim().split('\n').sort();
    expect(rows).toHaveLength(5);
    const partitionOf = (key: string): Set<string> => new Set(rows.filter((r) => r.startsWith(`${key} `)).map((r) => r.split(' ')[1]));
    expect(partitionOf('k1').size).toBe(1);
    expect(partitionOf('k2').size).toBe(1);
    // Per partition, records keep their order.
    const k1 = [...partitionOf('k1')][0];
    const onlyK1 = await run(['--data-dir', dir, 'consume', 'keyed', '-p', k1, '-o', 'beginning', '-e', '-K', '=']);
    expect(onlyK1.stdout.split('\n').filter((l) => l.startsWith('k1='))).toEqual(['k1=a', 'k1=c', 'k1=e']);
  });

  it('starts at -N before the end, at an absolute offset, or at a timestamp, and stops after -c', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 't']);
    const before = Date.now();
    await run(['--data-dir', dir, 'produce', 't'], { input: 'r0\nr1\nr2\n' });
    const boundary = Date.now() + 1;
    // The second produce must stamp its records after the boundary: wait for the clock to pass it.
    while (Date.now() <= boundary) await new Promise((r) => setImmediate(r));
    await run(['--data-dir', dir, 'produce', 't'], { input: 'r3\nr4\n' });
    const after = Date.now();

    const consume = async (...args: string[]): Promise<string> => {
      const result = await run(['--data-dir', dir, 'consume', 't', '-e', '-f', '%o %s\n', ...args]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      return result.stdout;
    };
    const [last2, from3, fromTs, count2, tooFar, tooMany, end] = await Promise.all([
      consume('-o', '-2'),
      consume('-o', '3'),
      consume('-o', `s@${boundary}`),
      consume('-o', 'beginning', '-c', '2'),
      consume('-o', '99'), // clamped to the end: nothing to read
      consume('-o', '-99'), // clamped to the start
      consume(), // default: the end
    ]);
    expect(last2).toBe('3 r3\n4 r4\n');
    expect(from3).toBe('3 r3\n4 r4\n');
    expect(fromTs).toBe('3 r3\n4 r4\n');
    expect(count2).toBe('0 r0\n1 r1\n');
    expect(tooFar).toBe('');
    expect(tooMany).toBe('0 r0\n1 r1\n2 r2\n3 r3\n4 r4\n');
    expect(end).toBe('');

    const timestamps = (await run(['--data-dir', dir, 'consume', 't', '-o', 'beginning', '-c', '5', '-f', '%T\n'])).stdout.trim().split('\n').map(Number);
    expect(timestamps).toHaveLength(5);
    for (const ts of timestamps) expect(ts >= before && ts <= after).toBe(true);
  });

  it('-c exits after COUNT records even without -e, across partitions', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 't', '-p', '3']);
    await run(['--data-dir', dir, 'produce', 't', '-K', ':'], { input: Array.from({ length: 30 }, (_, i) => `k${i}:v${i}\n`).join('') });
    const result = await run(['--data-dir', dir, 'consume', 't', '-o', 'beginning', '-c', '7']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(7);
  });

  it('stops cleanly when stdout closes (| head) and on SIGINT', async ({ onTestFinished }) => {
    const { run, start, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 't']);
    // More than a pipe buffer, so the consumer is still writing when the reader goes away.
    await run(['--data-dir', dir, 'produce', 't'], { input: Array.from({ length: 50_000 }, (_, i) => `record-${i}\n`).join('') });

    const piped = start(['--data-dir', dir, 'consume', 't', '-o', 'beginning']);
    let pipedStderr = '';
    piped.stderr.on('data', (b: Buffer) => (pipedStderr += b.toString()));
    const pipedExit = new Promise<[number | null, string | null]>((resolve) => piped.on('close', (code, signal) => resolve([code, signal])));
    // Read nothing, so the consumer blocks on a full pipe, then go away as `head -3` does.
    await new Promise((resolve) => piped.stdout.once('readable', resolve));
    piped.stdout.destroy();
    expect(await pipedExit).toEqual([0, null]);
    expect(pipedStderr).toBe('');

    const tail = start(['--data-dir', dir, 'consume', 't', '-o', '-1']);
    let seen = '';
    tail.stdout.on('data', (b: Buffer) => (seen += b.toString()));
    const tailDone = collect(tail);
    await waitFor(() => seen.includes('record-49999\n'), 30_000); // generous: a loaded machine starts children slowly
    tail.kill('SIGINT');
    expect(await tailDone).toMatchObject({ code: 0, signal: null, stderr: '' });
  });

  it('produce fails with exit 1 when the engine refuses a record, and says exactly which lines were acknowledged', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 'small', '-c', 'max.message.bytes=100']);
    const result = await run(['--data-dir', dir, 'produce', 'small'], { input: `a\n${'x'.repeat(300)}\nb\nc\n` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^3 records acknowledged; 1 refused \(line 2\)\nsluice: record of \d+ bytes .* max\.message\.bytes \(100\)\n$/);
    const consumed = await run(['--data-dir', dir, 'consume', 'small', '-o', 'beginning', '-e', '-f', '%s\n']);
    expect(consumed.stdout.split('\n').filter(Boolean).sort()).toEqual(['a', 'b', 'c']); // the 3 acknowledged, no more
  });

  it("kcat's flags: produce -D -k -H -T, consume -J, -G over several topics and a ^regex, -o's default shown as end", async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    const cli = (args: string[], input?: string) => run(['--data-dir', dir, ...args], { input });
    for (const t of ['orders-a', 'orders-b', 'other', 'skipped']) await cli(['topics', 'create', t]);
    const produced = await cli(['produce', 'orders-a', '-D', ';', '-k', 'c-1', '-H', 'src=cli', '-T'], 'x;y;');
    expect(produced).toMatchObject({ code: 0, stdout: 'x;y;', stderr: '2 records acknowledged\n' });
    await cli(['produce', 'orders-b'], 'z\n');
    await cli(['produce', 'other'], 'w\n');
    await cli(['produce', 'skipped'], 'no\n');
    const json = await cli(['consume', 'orders-a', '-o', 'beginning', '-e', '-J']);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ topic: 'orders-a', partition: 0, offset: 0, key: 'c-1', payload: 'x', headers: ['src', 'cli'] }),
      expect.objectContaining({ topic: 'orders-a', partition: 0, offset: 1, key: 'c-1', payload: 'y', headers: ['src', 'cli'] }),
    ]);
    const group = await cli(['consume', '^orders-.*', 'other', '-G', 'g', '-o', 'beginning', '-e', '-f', '%t %s\\n']);
    expect(group.code).toBe(0);
    expect(group.stdout.trim().split('\n').sort()).toEqual(['orders-a x', 'orders-a y', 'orders-b z', 'other w']);
    expect(await cli(['consume', 'orders-a', 'other'])).toMatchObject({ code: 2 }); // several topics need -G
    expect((await cli(['consume', '--help'])).stdout).toMatch(/-o, --offset <spec>[\s\S]*\(default: end\)/);
  }, 120_000);

  it('produce stops on SIGINT after sending what it read', async ({ onTestFinished }) => {
    const { run, start, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 't']);
    const producer = start(['--data-dir', dir, 'produce', 't']);
    let stderr = '';
    producer.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => producer.on('close', (code) => resolve(code)));
    producer.stdin.write('a\nb\npartial');
    await waitFor(async () => (await run(['--data-dir', dir, 'consume', 't', '-o', 'beginning', '-e'])).stdout === 'a\nb\n');
    producer.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('2 records acknowledged\n');
  });
});
