/**
 * The `--rest-*` flags of `sluice connect` and the REST listener options they make. The listener
 * policy (`listener-policy.ts`) is checked here, before anything is opened or started.
 */
import type { Command } from 'commander';
import { nonNegativeInteger } from '../arguments.js';
import { UsageError } from '../errors.js';
import type { ControlServerOptions } from './control-server.js';
import { checkListenerSecurity } from './listener-policy.js';

export interface RestOptions {
  restPort?: number;
  restHost: string;
  restToken?: string;
  restTlsCert?: string;
  restTlsKey?: string;
  restAllowedOrigins?: string[];
  restAllowedHosts?: string[];
  restInsecure?: boolean;
}

const commaList = (value: string): string[] => value.split(',').map((v) => v.trim()).filter(Boolean);

/** Declares the `--rest-*` flags on `command`. */
export function addRestOptions(command: Command): Command {
  return command
    .option('--rest-port <port>', 'serve Kafka Connect\'s REST API at http://127.0.0.1:<port> (for "sluice connectors" and Kafka Connect clients; 0: any free port, printed on stderr)', nonNegativeInteger('--rest-port', 'port'))
    .option('--rest-host <host>', 'the address the REST API listens on; beyond loopback it needs TLS and a token (or --rest-insecure)', '127.0.0.1')
    .option('--rest-token <token>', 'require "Authorization: Bearer <token>" on every REST request (default: env SLUICE_REST_TOKEN)')
    .option('--rest-tls-cert <file>', 'serve the REST API over HTTPS with this PEM certificate (with --rest-tls-key)')
    .option('--rest-tls-key <file>', 'the PEM private key of --rest-tls-cert')
    .option('--rest-allowed-origins <origins>', 'browser origins allowed to call the REST API, comma-separated (* for any; default: none)', commaList)
    .option('--rest-allowed-hosts <names>', 'more names clients may reach the REST API by (Host header), comma-separated', commaList)
    .option('--rest-insecure', 'serve the REST API beyond loopback without TLS or token');
}

/**
 * The REST listener's options from the flags, or null without `--rest-port`.
 * @throws UsageError for a half-given TLS pair or a listener beyond loopback without TLS and token.
 */
export function restServerOptions(options: RestOptions): ControlServerOptions | null {
  if (options.restPort === undefined) return null;
  if ((options.restTlsCert === undefined) !== (options.restTlsKey === undefined)) throw new UsageError('--rest-tls-cert and --rest-tls-key go together');
  const token = options.restToken ?? (process.env.SLUICE_REST_TOKEN || undefined);
  const tls = options.restTlsCert && options.restTlsKey ? { certFile: options.restTlsCert, keyFile: options.restTlsKey } : undefined;
  checkListenerSecurity({ host: options.restHost, tls: tls !== undefined, token: token !== undefined, insecure: options.restInsecure === true });
  return { port: options.restPort, host: options.restHost, tls, token, allowedOrigins: options.restAllowedOrigins, allowedHosts: options.restAllowedHosts };
}
