/**
 * A task of a streams application failed — a user function threw (including while a `flatMap`
 * result was iterated), a serde failed, or a write was refused. In exactly-once mode the task's
 * open transaction was aborted first: nothing of the failed batch became visible. `cause` holds
 * the original error.
 */
import { SluiceError } from '../../core/index.js';

export class TaskFailedError extends SluiceError {
  constructor(
    readonly applicationId: string,
    readonly taskId: string,
    cause: unknown,
  ) {
    super('STREAMS_TASK_FAILED', `task ${taskId} of application "${applicationId}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
