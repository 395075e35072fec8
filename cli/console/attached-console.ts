/**
 * The console served beside a running job (`sluice run --console`, `sluice connect --console`):
 * over the job's own engine, with its connectors on the pipeline page and their pause, resume and
 * restart buttons. Prints `console at URL` on stdout once it listens; env `SLUICE_CONSOLE_TOKEN`
 * requires a token, as for `sluice console --token`.
 */
import type { Cluster } from '../../core/index.js';
import type { HostPort } from '../host-port.js';
import { serverUrl } from '../http-listen.js';
import { startConsole } from './console-server.js';
import type { ConnectorControl } from './pipeline-connectors.js';
import type { PipelineView } from './pipeline-view.js';

export interface AttachedConsoleOptions {
  /** Shown on the overview ("pipeline orders"). */
  engine: string;
  /** The pipeline page's view (`PipelineWatch.view`). */
  pipeline: () => PipelineView;
  connectors: ConnectorControl;
}

/** Starts the console on `address`; resolves the function that closes it. */
export async function startAttachedConsole(cluster: Cluster, address: HostPort, options: AttachedConsoleOptions): Promise<() => Promise<void>> {
  const token = process.env.SLUICE_CONSOLE_TOKEN;
  const { connectors } = options;
  // The states as they are now, not as of the last status report: a page reloaded right after a
  // button shows what the button did.
  const pipeline = (): PipelineView => {
    const view = options.pipeline();
    const states = new Map(connectors.statuses().map((s) => [s.name, s.state]));
    return { ...view, connectors: view.connectors.map((c) => ({ ...c, state: states.get(c.name) ?? c.state })) };
  };
  const server = await startConsole(cluster, { ...address, ...(token ? { token } : {}), engine: options.engine, pipeline, connectors });
  process.stdout.write(`console at ${serverUrl(server)}/\n`);
  return () => server.close();
}
