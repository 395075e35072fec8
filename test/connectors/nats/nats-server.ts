/**
 * A real `nats-server` with JetStream, on a free port and a temp store, that tests and benches can
 * stop and start again on the same port and store (to play "NATS is down"). No test-runner
 * dependency: `nats-test-helpers.ts` wraps it for vitest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = [process.env.NATS_SERVER, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/** The nats-server binary, or undefined when none is installed. */
export function natsServerBinary(): string | undefined {
  for (const candidate of CANDIDATES) if (candidate && fs.existsSync(candidate)) return candidate;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'nats-server');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (bound and released, so a tiny race is possible). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly storeDir: string;
  readonly running: boolean;
  /** The server's process id while it runs. */
  readonly pid: number | undefined;
  /** Starts the server again on the same port and store; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, SIGKILL after 5 s); resolves once the process exited. */
  stop(): Promise<void>;
  /** Stops it and removes its store. */
  destroy(): Promise<void>;
}

export interface StartNatsServerOptions {
  /** Extra command-line arguments (e.g. `--user`, `--pass`). */
  args?: string[];
}

/**
 * Starts `nats-server -js -sd <tmp>` on a free port and waits until it accepts connections.
 * The caller `destroy()`s it.
 * @throws Error when nats-server is not installed or does not come up within 10 s.
 */
export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServer> {
  const binary = natsServerBinary();
  if (!binary) throw new Error('nats-server is not installed (apt-get install nats-server, or set NATS_SERVER)');
  const port = await freePort();
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-nats-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';

  const server: NatsServer = {
    port,
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    get running() {
      return child !== undefined;
    },
    get pid() {
      return child?.pid;
    },
    async start() {
      if (child) return;
      const proc = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...(options.args ?? [])], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      proc.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000)));
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      void exited.then(() => {
        if (child === proc) child = undefined;
      });
      const deadline = Date.now() + 10_000;
      // Ready means JetStream is up too: the server logs "Server is ready" after enabling it.
      while (!log.includes('Server is ready')) {
        if (child !== proc) throw new Error(`nats-server exited at start:\n${log}`);
        if (Date.now() > deadline) throw new Error(`nats-server did not come up on port ${port} within 10 s:\n${log}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await waitForPort(port, deadline);
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      child = undefined;
    },
    async destroy() {
      await server.stop();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server is not accepting connections on port ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
