/**
 * Errors of pipeline files. `PipelineError` carries every problem found (syntax, variables,
 * schema, connectors, topics, expressions) and prints them one per line, compiler style, so
 * editors and terminals link each to its place:
 *
 *   invalid pipeline orders.yaml, 2 problems:
 *   orders.yaml:12:17: streams[0].steps[1].filter: invalid JSONata expression: Unexpected end of expression
 *   orders.yaml:20:9: streams[1].from: missing topic "order": not declared under topics nor written by a source (did you mean "orders"?)
 */
import { InvalidConfigError, SluiceError } from '../core/index.js';

/** One problem of a pipeline file. */
export interface PipelineProblem {
  file: string;
  /** 1-based; 0 when the problem has no place (an unreadable file). */
  line: number;
  column: number;
  /** JSON Pointer of the field ('' for the whole file). */
  path: string;
  /** Readable path, e.g. `streams[0].steps[1].filter` ('' for the whole file). */
  displayPath: string;
  message: string;
}

/** A pipeline file is invalid; `problems` lists every problem, in file order. */
export class PipelineError extends InvalidConfigError {
  constructor(
    readonly file: string,
    readonly problems: readonly PipelineProblem[],
  ) {
    super(`invalid pipeline ${file}, ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map(formatProblem).join('\n')}`, problems[0]?.path);
  }
}

/** `file:line:column: path: message`, the form compilers print (and editors link). */
export function formatProblem(p: PipelineProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${where}: ${p.displayPath ? `${p.displayPath}: ` : ''}${p.message}`;
}

/** A pipeline step failed on a record at run time; names the step and its place in the file. */
export class PipelineStepError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('PIPELINE_STEP_FAILED', message, options);
  }
}

/**
 * A step failed on one record and the stream's `errors.tolerance` is `none`: names the stream, the
 * step (number, type, place in the file), the expression that failed and where the record was read.
 */
export class StepRecordError extends PipelineStepError {
  constructor(
    message: string,
    readonly stream: string,
    readonly step: number,
    readonly stepType: string,
    /** The expression's text (a custom step: `module#export`); absent when no expression applies. */
    readonly expression: string | undefined,
    readonly origin: { readonly topic: string; readonly partition: number; readonly offset: number },
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
