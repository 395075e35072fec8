/**
 * The SCRAM client of the remote engine's SASL, against the published exchange of RFC 7677
 * (SCRAM-SHA-256, user "user", password "pencil"): byte for byte the client messages the RFC
 * shows, and the server signature it shows accepted. (The sluice broker serves no SASL; this is
 * the independent reference we check against.)
 */
import { describe, expect, test } from 'vitest';
import { SaslAuthenticationError } from '../../../core/index.js';
import { ScramClient } from '../../../core/remote/sasl-authenticator.js';

const CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const CLIENT_FINAL = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

describe('ScramClient (RFC 7677 SCRAM-SHA-256 example)', () => {
  test('client-first and client-final are the RFC\'s messages, and its server signature verifies', () => {
    const client = new ScramClient('sha256', 'user', 'pencil', CLIENT_NONCE);
    expect(client.clientFirst().toString('utf8')).toBe(`n,,n=user,r=${CLIENT_NONCE}`);
    expect(client.clientFinal(SERVER_FIRST).toString('utf8')).toBe(CLIENT_FINAL);
    expect(() => client.verifyServerFinal(SERVER_FINAL, 'k1:9093')).not.toThrow();
  });

  test('a wrong password gives another proof, and the server signature then fails to verify', () => {
    const client = new ScramClient('sha256', 'user', 'pen', CLIENT_NONCE);
    client.clientFirst();
    expect(client.clientFinal(SERVER_FIRST).toString('utf8')).not.toBe(CLIENT_FINAL);
    expect(() => client.verifyServerFinal(SERVER_FINAL, 'k1:9093')).toThrow(SaslAuthenticationError);
    expect(() => client.verifyServerFinal(SERVER_FINAL, 'k1:9093')).toThrow('SCRAM server signature from k1:9093 does not match');
  });

  test('a server nonce that does not extend the client nonce, a malformed server-first and a server error are refused', () => {
    const client = new ScramClient('sha256', 'user', 'pencil', CLIENT_NONCE);
    client.clientFirst();
    expect(() => client.clientFinal(SERVER_FIRST.replace('r=rOpr', 'r=XXpr'))).toThrow('SCRAM server nonce does not extend the client nonce');
    expect(() => client.clientFinal('r=rOprNGfwEbeRWgbNEkqOxyz,i=4096')).toThrow('malformed SCRAM server-first message');
    expect(() => client.verifyServerFinal('e=invalid-proof', 'k1:9093')).toThrow('SCRAM authentication to k1:9093 failed: invalid-proof');
  });

  test('user names escape "=" and "," as RFC 5802 saslname', () => {
    expect(new ScramClient('sha512', 'a=b,c', 'p', 'n0nce').clientFirst().toString('utf8')).toBe('n,,n=a=3Db=2Cc,r=n0nce');
  });
});
