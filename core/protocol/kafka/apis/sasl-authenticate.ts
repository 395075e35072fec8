/**
 * SaslAuthenticate (api key 36), versions 0-2, flexible from 2: one SASL token each way, after a
 * SaslHandshake v1 named the mechanism (PLAIN: one round; SCRAM: two).
 *
 * The remote engine's client sends it; `sluice broker` serves it (`core/server/sasl/sasl-session.ts`).
 *
 *   SaslAuthenticate Request (Version: 2) => auth_bytes
 *     auth_bytes => bytes
 *   SaslAuthenticate Response (Version: 2) => error_code error_message auth_bytes session_lifetime_ms
 *     error_code => int16
 *     error_message => string (nullable)
 *     auth_bytes => bytes
 *     session_lifetime_ms => int64 (v1+)
 */
import { defineApi } from '../kafka-api.js';
import { field } from '../message-schema.js';

export const SaslAuthenticateApi = defineApi({
  key: 36,
  name: 'SaslAuthenticate',
  versions: '0-2',
  flexible: '2+',
  request: [field('AuthBytes', 'bytes', '0+')],
  response: [
    field('ErrorCode', 'int16', '0+'),
    field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
    field('AuthBytes', 'bytes', '0+'),
    field('SessionLifetimeMs', 'int64', '1+'),
  ],
});
