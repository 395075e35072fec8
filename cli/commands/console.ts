/**
 * `sluice console [--listen HOST:PORT] [--token T]`: a web console over the engine of `--data-dir`
 * (opened read-only, so it works while a pipeline owns the directory; a write — produce, reset
 * offsets, change a config — takes the directory's lock for that moment only, and is refused with
 * the owner's pid while a pipeline holds it), `-b HOST:PORT` (a sluice broker or any
 * Kafka-compatible cluster) or `--jetstream`. Prints `console at http://HOST:PORT/` once it
 * accepts connections; SIGINT/SIGTERM stop it.
 */
import type { Command } from 'commander';
import { engineTarget, openForReading, openForWriting, withCluster, type EngineTarget } from '../data-dir.js';
import { hostPort, type HostPort } from '../host-port.js';

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('serve a web console: cluster, topics, message browser with live tail, consumer groups; writes only on an explicit action')
    .option('--listen <host:port>', 'address to serve on (port 0: any free port)', hostPort('--listen'), { host: '127.0.0.1', port: 8080 })
    .option('--token <token>', 'require this token on every request (open /?token=TOKEN once; env SLUICE_CONSOLE_TOKEN)')
    .addHelpText('after', '\nExamples:\n  $ sluice console --data-dir ./.sluice     # then open http://127.0.0.1:8080/\n  $ sluice -b 127.0.0.1:9092 console --listen 127.0.0.1:8081')
    .action(async (options: { listen: HostPort; token?: string }, command: Command) => {
      const { startConsole } = await import('../console/console-server.js');
      const target = engineTarget(command);
      const token = options.token ?? process.env.SLUICE_CONSOLE_TOKEN;
      const cluster = await openForReading(target);
      const stopping = new AbortController();
      const stop = (): void => stopping.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const server = await startConsole(cluster, {
          ...options.listen,
          ...(token ? { token } : {}),
          engine: engineName(target),
          // A data directory is read without its lock; a write takes it for that moment only.
          ...(typeof target === 'string' ? { withWriter: (body) => withCluster(openForWriting(target), body) } : {}),
        });
        const host = server.host.includes(':') ? `[${server.host}]` : server.host;
        process.stdout.write(`console at http://${host}:${server.port}/\n`);
        await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
        await server.close();
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await cluster.close();
      }
    });
}

function engineName(target: EngineTarget): string {
  if (typeof target === 'string') return `embedded (${target})`;
  if ('bootstrapServers' in target) return `Kafka protocol (${target.bootstrapServers.join(', ')})`;
  return `JetStream (${target.jetstream.servers})`;
}
