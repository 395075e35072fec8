/**
 * A real JetStream cluster of `nats-server` processes on loopback: each node has a client port, a
 * route port (the other nodes as routes) and its own temp store; any node can be SIGKILLed and
 * started again on the same ports and store (to play "a machine died"). No test-runner dependency,
 * so benches use it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, natsServerBinary } from './nats-server.js';

export interface NatsClusterNode {
  readonly name: string;
  readonly port: number;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly running: boolean;
  /** The running process's id (undefined while stopped): benches read its CPU time. */
  readonly pid: number | undefined;
  /** Starts the node again on its ports and store; resolves once it accepts clients. */
  start(): Promise<void>;
  /** SIGKILLs the node (no clean shutdown); resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface NatsCluster {
  readonly nodes: readonly NatsClusterNode[];
  /** Every node's client URL. */
  readonly servers: string[];
  /** Kills every node and removes the stores. */
  destroy(): Promise<void>;
}

/**
 * Starts `size` nats-server nodes (JetStream, file storage) routed to each other on 127.0.0.1.
 * Resolves once every node logged "Server is ready"; JetStream's meta leader may still be in
 * election, so a first API call should retry (the engine does).
 * @throws Error when nats-server is not installed or a node does not come up within 20 s.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const binary = natsServerBinary();
  if (!binary) throw new Error('nats-server is not installed (apt-get install nats-server, or set NATS_SERVER)');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-nats-cluster-'));
  const ports: { client: number; route: number }[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), route: await freePort() });
  const nodes = ports.map((p, i) => clusterNode(binary, root, `n${i + 1}`, p, ports.filter((_, j) => j !== i).map((q) => q.route)));
  const cluster: NatsCluster = {
    nodes,
    servers: nodes.map((n) => n.url),
    async destroy() {
      await Promise.all(nodes.map((n) => n.kill()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

function clusterNode(binary: string, root: string, name: string, ports: { client: number; route: number }, routes: number[]): NatsClusterNode {
  const storeDir = path.join(root, name);
  fs.mkdirSync(storeDir, { recursive: true });
  const configFile = path.join(root, `${name}.conf`);
  fs.writeFileSync(
    configFile,
    [
      `server_name: ${name}`,
      `server_tags: ["${name}"]`, // a stream can be placed on one node (placement tags), e.g. to take its only replica down
      `listen: 127.0.0.1:${ports.client}`,
      `jetstream { store_dir: "${storeDir}" }`,
      `cluster {`,
      `  name: sluice-test`,
      `  listen: 127.0.0.1:${ports.route}`,
      `  routes: [${routes.map((r) => `nats://127.0.0.1:${r}`).join(', ')}]`,
      `}`,
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  return {
    name,
    port: ports.client,
    url: `nats://127.0.0.1:${ports.client}`,
    get running() {
      return child !== undefined;
    },
    get pid() {
      return child?.pid;
    },
    async start() {
      if (child) return;
      log = '';
      const proc = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      proc.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-16000)));
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      void exited.then(() => {
        if (child === proc) child = undefined;
      });
      const deadline = Date.now() + 20_000;
      while (!log.includes('Server is ready')) {
        if (child !== proc) throw new Error(`nats-server ${name} exited at start:\n${log}`);
        if (Date.now() > deadline) throw new Error(`nats-server ${name} did not come up on port ${ports.client} within 20 s:\n${log}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async kill() {
      const proc = child;
      if (!proc) return;
      proc.kill('SIGKILL');
      await exited;
      child = undefined;
    },
  };
}
