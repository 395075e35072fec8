/**
 * `sluice console [--listen HOST:PORT]`: a web console over the engine of `--data-dir` (opened
 * read-only, so it works while a pipeline owns the directory) or `--jetstream`. Prints
 * `console at http://HOST:PORT/` once it accepts connections; SIGINT/SIGTERM stop it.
 */
import type { Command } from 'commander';
import { engineTarget, openForReading } from '../data-dir.js';
import { hostPort, type HostPort } from '../host-port.js';

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('serve a web console: topics, partitions and offsets, and a message browser with live tail (read-only)')
    .option('--listen <host:port>', 'address to serve on (port 0: any free port)', hostPort('--listen'), { host: '127.0.0.1', port: 8080 })
    .addHelpText('after', '\nExample:\n  $ sluice console --data-dir ./.sluice     # then open http://127.0.0.1:8080/')
    .action(async (options: { listen: HostPort }, command: Command) => {
      const { startConsole } = await import('../console/console-server.js');
      const cluster = await openForReading(engineTarget(command));
      const stopping = new AbortController();
      const stop = (): void => stopping.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const server = await startConsole(cluster, options.listen);
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
