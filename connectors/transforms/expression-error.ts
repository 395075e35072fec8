/**
 * The error of a JSONata expression that failed while evaluating a record. JSONata rejects with a
 * plain object (`{ code, position, token, message }`), not an `Error`, so printed as it is it reads
 * `[object Object]`; this names the expression, JSONata's message and code, and the character.
 *
 * @example
 *   // JSONata expression "total + 1" failed at character 7 (token "+"): The left side of the "+"
 *   // operator must evaluate to a number (T2001)
 */
import { SluiceError } from '../../core/index.js';

export class ExpressionError extends SluiceError {
  /** The expression's text. */
  readonly expression: string;
  /** JSONata's error code (`T2001`, `D3001`, …), when it gave one. */
  readonly jsonataCode: string | undefined;
  /** JSONata's position: the 1-based character at the end of the offending token. */
  readonly position: number | undefined;

  constructor(expression: string, cause: unknown) {
    const e = (typeof cause === 'object' && cause !== null ? cause : {}) as { message?: unknown; code?: unknown; position?: unknown; token?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(cause);
    const code = typeof e.code === 'string' ? e.code : undefined;
    const position = typeof e.position === 'number' ? e.position : undefined;
    const at = position === undefined ? '' : ` at character ${position}${typeof e.token === 'string' ? ` (token "${e.token}")` : ''}`;
    super('EXPRESSION', `JSONata expression ${JSON.stringify(expression)} failed${at}: ${message}${code ? ` (${code})` : ''}`, { cause });
    this.expression = expression;
    this.jsonataCode = code;
    this.position = position;
  }
}
