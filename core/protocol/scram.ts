/**
 * SCRAM's formulas (RFC 5802 §3, RFC 7677), shared by the client (`core/remote/sasl-authenticator.ts`)
 * and the broker (`core/server/sasl/scram-sasl-server.ts`):
 *
 *   SaltedPassword  := Hi(password, salt, i)          (PBKDF2 with HMAC-H)
 *   ClientKey       := HMAC(SaltedPassword, "Client Key")
 *   StoredKey       := H(ClientKey)
 *   ServerKey       := HMAC(SaltedPassword, "Server Key")
 *   AuthMessage     := client-first-bare + "," + server-first + "," + client-final-without-proof
 *   ClientSignature := HMAC(StoredKey, AuthMessage)
 *   ClientProof     := ClientKey XOR ClientSignature
 *   ServerSignature := HMAC(ServerKey, AuthMessage)
 *
 * A server keeps only salt, iterations, StoredKey and ServerKey (Kafka's ScramCredential): enough to
 * check a proof and to prove itself, not enough to log in as the user.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';

export type ScramDigest = 'sha256' | 'sha512';

/** Kafka's SCRAM mechanism names and their hash. */
export const SCRAM_DIGEST = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' } as const satisfies Record<string, ScramDigest>;
export type ScramMechanismName = keyof typeof SCRAM_DIGEST;

/** Bytes of a key for each hash. */
export const SCRAM_KEY_BYTES: Record<ScramDigest, number> = { sha256: 32, sha512: 64 };

export interface ScramKeys {
  clientKey: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const pbkdf2 = promisify(crypto.pbkdf2);

/** Hi(password, salt, i), synchronously (a client derives it once per connection). */
export function saltedPasswordSync(digest: ScramDigest, password: string, salt: Buffer, iterations: number): Buffer {
  return crypto.pbkdf2Sync(password, salt, iterations, SCRAM_KEY_BYTES[digest], digest);
}

/** Hi(password, salt, i) off the event loop (a broker checks many PLAIN logins). */
export function saltedPassword(digest: ScramDigest, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return pbkdf2(password, salt, iterations, SCRAM_KEY_BYTES[digest], digest);
}

/** ClientKey, StoredKey and ServerKey from a SaltedPassword. */
export function scramKeys(digest: ScramDigest, salted: Buffer): ScramKeys {
  const clientKey = scramHmac(digest, salted, 'Client Key');
  return { clientKey, storedKey: crypto.createHash(digest).update(clientKey).digest(), serverKey: scramHmac(digest, salted, 'Server Key') };
}

/** StoredKey from a ClientKey (what the server recovers from a proof). */
export function storedKeyOf(digest: ScramDigest, clientKey: Buffer): Buffer {
  return crypto.createHash(digest).update(clientKey).digest();
}

export function scramHmac(digest: ScramDigest, key: Buffer, text: string): Buffer {
  return crypto.createHmac(digest, key).update(text, 'utf8').digest();
}

/** a XOR b, for equal lengths (ClientProof, and ClientKey back from a proof). */
export function xorBytes(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < out.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** Constant-time equality that tolerates different lengths (false). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** RFC 5802's saslname: "=" and "," escaped. */
export function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** The reverse of `encodeSaslName`; undefined when an "=" escapes something else (RFC 5802 §5.1). */
export function decodeSaslName(name: string): string | undefined {
  if (/=(?!2C|3D)/.test(name)) return undefined;
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** `a=1,b=2` → its attributes (a value may itself hold "="). */
export function parseScramAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}
