/**
 * SaslHandshake and SaslAuthenticate outside a login: on a listener without SASL, or after the
 * connection authenticated (re-authentication, KIP-368, is not offered). Kafka answers both with
 * ILLEGAL_SASL_STATE there. The login itself is the connection's `SaslSession`.
 */
import { ErrorCode, type Message } from '../../protocol/kafka/index.js';

export async function handleSaslHandshake(): Promise<Message> {
  return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
}

export async function handleSaslAuthenticate(): Promise<Message> {
  return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SASL authentication is not in progress on this connection (re-authentication is not supported)', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
}
