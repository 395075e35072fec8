/**
 * An RxJS operator inside `pipe` did what per-batch processing cannot honour — collected or held
 * back records, emitted at the batch's completion, completed early, or changed keys unannounced
 * before a step that needs records grouped by key (see `pipe-guard.ts`). The task fails with it
 * (wrapped in a `TaskFailedError` in a running application); nothing of the batch is committed.
 */
import { SluiceError } from '../../core/index.js';

export class UnsafeOperatorError extends SluiceError {
  constructor(
    /** The pipe node, as `pipe "<name>"`. */
    readonly pipe: string,
    message: string,
  ) {
    super('STREAMS_UNSAFE_OPERATOR', `${pipe}: ${message}`);
  }
}
