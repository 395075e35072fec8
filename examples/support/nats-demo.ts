/**
 * What the NATS examples' one-command demos share: a throwaway `nats-server -js` on a free port
 * (the same one the tests use), and `sluice run --until-idle` on the example's pipeline file with
 * `NATS_URL` pointing at it — the product's own output, as a user would see it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNatsServer, type NatsServer } from '../../test/connectors/nats/nats-server.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Starts nats-server, runs `demo` with it, and removes it (and its store) whatever happens. */
export async function withNatsServer(demo: (server: NatsServer) => Promise<void>): Promise<void> {
  let server: NatsServer;
  try {
    server = await startNatsServer();
  } catch (error) {
    console.error(`${(error as Error).message}\nThis example needs nats-server: apt-get install nats-server (or set NATS_SERVER to its path).`);
    process.exitCode = 1;
    return;
  }
  console.log(`nats-server (JetStream) on ${server.url}`);
  try {
    await demo(server);
  } finally {
    await server.destroy();
  }
}

/** Empties `<example>/.out` (engine data of a previous run) and returns its path. */
export function freshWorkDir(example: string): string {
  const dir = path.join(REPO_ROOT, 'examples', example, '.out');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** `sluice run --until-idle examples/<example>/pipeline.yaml` with `env`; throws when it fails. */
export function runPipelineFile(example: string, env: Record<string, string>): void {
  const file = path.join('examples', example, 'pipeline.yaml');
  console.log(`$ sluice run --until-idle ${file}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'cli', 'main.ts'), 'run', '--until-idle', '--idle-ms', '500', file], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`sluice run exited with ${run.status ?? run.signal}`);
}
