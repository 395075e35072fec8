import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, onTestFinished, test } from 'vitest';
import { DataDirLockedError, openCluster } from '../../../core/index.js';
import { lockSocketName } from '../../../core/engine/data-dir-lock.js';
import { tempDir } from '../../helpers.js';

const fixture = fileURLToPath(new URL('../../fixtures/lock-racer.ts', import.meta.url));

/** A lock-racer child and its stdout as a queue of lines. */
interface Racer {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
  send(command: string): void;
}

function startRacer(dataDir: string): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  });
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(`exited (${code ?? signal}): ${stderr}`)));
  onTestFinished(() => void child.kill('SIGKILL'));
  return {
    child,
    next: () => {
      const line = queue.shift();
      if (line !== undefined) return Promise.resolve(line);
      return Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), exited.then((why) => Promise.reject(new Error(`racer ${why}`)))]);
    },
    send: (command) => child.stdin.write(`${command}\n`),
  };
}

async function ready(racer: Racer): Promise<Racer> {
  expect(await racer.next()).toBe('ready');
  return racer;
}

describe('DataDirLock', () => {
  test('the lock is a socket name per real directory path', () => {
    const dir = tempDir();
    const name = lockSocketName(fs.realpathSync(dir), 'linux')!;
    expect(name.startsWith('\0sluice-lock-')).toBe(true);
    expect(lockSocketName(fs.realpathSync(dir), 'linux')).toBe(name);
    expect(lockSocketName(`${fs.realpathSync(dir)}x`, 'linux')).not.toBe(name);
    expect(lockSocketName(dir, 'win32')!.startsWith('\\\\?\\pipe\\')).toBe(true);
    expect(lockSocketName(dir, 'darwin')).toBeNull();
  });

  test('a .lock naming a live process that does not hold the lock (ours, or a foreign one) does not block the open', async () => {
    const dataDir = tempDir();
    const foreign = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    onTestFinished(() => void foreign.kill('SIGKILL'));
    await new Promise((r) => foreign.on('spawn', r));
    for (const pid of [foreign.pid!, process.pid, 999_999_999, '']) {
      fs.writeFileSync(path.join(dataDir, '.lock'), `${pid}\n`);
      const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
      // Once held, the file names the real owner, and a second opener is told so.
      expect(fs.readFileSync(path.join(dataDir, '.lock'), 'utf8')).toBe(`${process.pid}\n`);
      await expect(openCluster({ dataDir })).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
      await cluster.close();
      expect(fs.existsSync(path.join(dataDir, '.lock'))).toBe(false);
    }
  });

  test('the same directory through another path (symlink) is the same lock', async () => {
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    fs.mkdirSync(dataDir);
    fs.symlinkSync(dataDir, path.join(root, 'alias'));
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    onTestFinished(() => cluster.close());
    await expect(openCluster({ dataDir: path.join(root, 'alias') })).rejects.toBeInstanceOf(DataDirLockedError);
  });

  test('a lock whose owner was SIGKILLed is free at once (nothing stale to take over)', async () => {
    const dataDir = tempDir();
    const racer = await ready(startRacer(dataDir));
    racer.send('open');
    expect(await racer.next()).toBe('owner');
    await expect(openCluster({ dataDir })).rejects.toThrow(new RegExp(`in use by process ${racer.child.pid}`));
    racer.child.kill('SIGKILL');
    await new Promise((r) => racer.child.on('exit', r));
    // Its .lock file is still there, naming a dead pid: it does not matter.
    expect(fs.readFileSync(path.join(dataDir, '.lock'), 'utf8')).toBe(`${racer.child.pid}\n`);
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.close();
  });

  test('4 processes racing to open one directory, 40 rounds with stale, empty, foreign and missing .lock files: exactly one owner each round', async () => {
    const dataDir = tempDir();
    fs.mkdirSync(dataDir, { recursive: true });
    const racers = await Promise.all(Array.from({ length: 4 }, () => ready(startRacer(dataDir))));
    const lockFile = path.join(dataDir, '.lock');
    let owners = 0;
    for (let round = 0; round < 40; round++) {
      // The state a previous owner (or an unrelated process) may have left behind.
      switch (round % 5) {
        case 0:
          fs.rmSync(lockFile, { force: true });
          break;
        case 1:
          fs.writeFileSync(lockFile, '999999999\n'); // a dead pid
          break;
        case 2:
          fs.writeFileSync(lockFile, ''); // an owner killed between create and write
          break;
        case 3:
          fs.writeFileSync(lockFile, `${process.pid}\n`); // alive, but not an owner (pid reuse)
          break;
        case 4:
          fs.writeFileSync(lockFile, `${racers[round % racers.length].child.pid}\n`); // one racer's own pid
          break;
      }
      for (const r of racers) r.send('open');
      const answers = await Promise.all(racers.map((r) => r.next()));
      const winners = racers.filter((_, i) => answers[i] === 'owner');
      expect(winners, `round ${round}: ${answers.join(' | ')}`).toHaveLength(1);
      for (const a of answers) if (a !== 'owner') expect(a).toMatch(/^locked data directory .* is in use by /);
      owners++;
      const [winner] = winners;
      if (round % 8 === 7) {
        // The owner dies without releasing: its replacement joins the next round.
        winner.child.kill('SIGKILL');
        await new Promise((r) => winner.child.on('exit', r));
        racers[racers.indexOf(winner)] = await ready(startRacer(dataDir));
      } else {
        winner.send('close');
        expect(await winner.next()).toBe('closed');
      }
    }
    expect(owners).toBe(40);
  }, 180_000);
});
