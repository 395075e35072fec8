/**
 * Which connector REST listeners `sluice connect` agrees to open. On loopback only local processes
 * reach the API (and `RequestGuard` keeps browsers out). Beyond loopback anyone on the network
 * could start a file sink writing where they like, so such a listener needs both TLS (or the token
 * travels in clear text) and a bearer token — unless the user forces it with `--rest-insecure`
 * (e.g. behind a TLS-terminating proxy that authenticates).
 */
import { UsageError } from '../errors.js';
import { isLoopbackHost } from './request-guard.js';

export interface ListenerSecurity {
  host: string;
  tls: boolean;
  token: boolean;
  insecure: boolean;
}

/** @throws UsageError naming what is missing for a listener beyond loopback. */
export function checkListenerSecurity(s: ListenerSecurity): void {
  if (isLoopbackHost(s.host) || s.insecure) return;
  const missing = [...(s.tls ? [] : ['TLS (--rest-tls-cert and --rest-tls-key)']), ...(s.token ? [] : ['a token (--rest-token or env SLUICE_REST_TOKEN)'])];
  if (missing.length === 0) return;
  throw new UsageError(`the connector REST API on ${s.host} is reachable beyond this machine: it needs ${missing.join(' and ')}, or --rest-insecure to serve it anyway`);
}
