/**
 * One SASL mechanism's server side for one login: it answers the client's tokens until the client
 * is authenticated (PLAIN: one token; SCRAM: two). A refused login throws SaslAuthenticationError
 * with the message the client sees, and a `reason` for the broker's log only (whether the user was
 * unknown or the password wrong is not told to the client, as Kafka does not).
 */
import { SaslAuthenticationError } from '../../errors.js';

export interface SaslStep {
  /** The server's token (empty for PLAIN). */
  challenge: Buffer;
  /** The client is authenticated (as `SaslServer.username`). */
  done: boolean;
}

export interface SaslServer {
  readonly mechanism: string;
  /** The authenticated user once `done`. */
  readonly username: string | null;
  /** @throws SaslLoginRefusedError */
  evaluate(token: Buffer): Promise<SaslStep>;
}

/** A refused login: `message` goes to the client, `reason` to the broker's log. */
export class SaslLoginRefusedError extends SaslAuthenticationError {
  constructor(message: string, readonly reason: string) {
    super(message);
  }
}

/** What the client is told for an unknown user and for a wrong password alike. */
export function invalidCredentials(mechanism: string, reason: string): SaslLoginRefusedError {
  return new SaslLoginRefusedError(`Authentication failed: invalid username or password (SASL mechanism ${mechanism})`, reason);
}
