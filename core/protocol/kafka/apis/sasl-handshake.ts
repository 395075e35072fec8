/**
 * SaslHandshake (api key 17), versions 0-1, not flexible: the client names a SASL mechanism; the
 * broker answers with the mechanisms it enables. From v1 the SASL exchange that follows travels in
 * SaslAuthenticate requests; after v0 raw SASL tokens follow, size-prefixed without a header (the
 * broker reads them in `SaslSession.rawToken`; this client always sends v1).
 *
 * The remote engine's client sends it; `sluice broker` serves it (`core/server/sasl/sasl-session.ts`).
 *
 *   SaslHandshake Request (Version: 1) => mechanism
 *     mechanism => string
 *   SaslHandshake Response (Version: 1) => error_code [mechanisms]
 *     error_code => int16
 *     mechanisms => string
 */
import { defineApi } from '../kafka-api.js';
import { field } from '../message-schema.js';

export const SaslHandshakeApi = defineApi({
  key: 17,
  name: 'SaslHandshake',
  versions: '0-1',
  flexible: 'none',
  request: [field('Mechanism', 'string', '0+')],
  response: [field('ErrorCode', 'int16', '0+'), field('Mechanisms', '[]string', '0+')],
});
