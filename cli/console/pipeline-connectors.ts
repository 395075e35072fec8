/**
 * The pipeline page's buttons (`sluice run --console`): pause, resume and restart one of the
 * running pipeline's connectors, through the same `ConnectRuntime` methods the connector REST API
 * of `sluice connect --rest-port` calls (`connectors-resource.ts`), with the same rules: a resume
 * of a stopped connector starts it again, and changes to one connector run one at a time
 * (`KeyedLock`: the runtime is not reentrant per connector).
 */
import type { ConnectRuntime } from '../../connectors/index.js';
import { HttpError } from '../connect-control/http-error.js';
import { KeyedLock } from '../connect-control/keyed-lock.js';

/** What the console needs of the runtime: `ConnectRuntime` itself, or a test's. */
export type ConnectorControl = Pick<ConnectRuntime, 'pause' | 'resume' | 'restart' | 'status' | 'statuses'>;

export const CONNECTOR_ACTIONS = ['pause', 'resume', 'restart'] as const;
export type ConnectorAction = (typeof CONNECTOR_ACTIONS)[number];

/** The answer to an action: the connector's state once it is done (`paused`, `running`, …). */
export interface ConnectorActionResult {
  name: string;
  action: ConnectorAction;
  state: string;
}

export class PipelineConnectors {
  readonly #runtime: ConnectorControl;
  readonly #lock = new KeyedLock();

  constructor(runtime: ConnectorControl) {
    this.#runtime = runtime;
  }

  /** @throws HttpError 404 for a connector the pipeline does not run or an action there is not, 400 for a body with fields. */
  async act(name: string, action: string, body: Record<string, unknown> = {}): Promise<ConnectorActionResult> {
    if (!this.#runtime.statuses().some((s) => s.name === name)) throw new HttpError(404, `the pipeline has no connector ${JSON.stringify(name)}`);
    if (!(CONNECTOR_ACTIONS as readonly string[]).includes(action)) throw new HttpError(404, `no connector action ${JSON.stringify(action)} (${CONNECTOR_ACTIONS.join(', ')})`);
    if (Object.keys(body).length > 0) throw new HttpError(400, `a connector ${action} takes an empty JSON object ({}), got fields ${Object.keys(body).join(', ')}`);
    const done = action as ConnectorAction;
    await this.#lock.run(name, async () => {
      if (done === 'pause') this.#runtime.pause(name);
      // As Kafka Connect's resume: a stopped connector starts again.
      else if (done === 'resume' && this.#runtime.status(name).state !== 'stopped') this.#runtime.resume(name);
      else await this.#runtime.restart(name);
    });
    return { name, action: done, state: this.#runtime.status(name).state };
  }
}
