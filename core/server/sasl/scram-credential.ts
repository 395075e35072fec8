/**
 * What the broker stores for a SCRAM user, as Kafka does (`ScramCredential`): the salt, the
 * iteration count, StoredKey and ServerKey — never the password. In text, Kafka's own form
 * (`ScramCredentialUtils.credentialToString`, what `kafka-configs --add-config SCRAM-SHA-256=[…]`
 * stores):
 *
 *   salt=<base64>,stored_key=<base64>,server_key=<base64>,iterations=<n>
 */
import crypto from 'node:crypto';
import { InvalidConfigError } from '../../errors.js';
import { parseScramAttributes, saltedPasswordSync, SCRAM_DIGEST, SCRAM_KEY_BYTES, scramKeys, type ScramMechanismName } from '../../protocol/scram.js';

export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

/** Kafka's minimum (ScramMechanism.minIterations) and the default of its tools. */
export const MIN_SCRAM_ITERATIONS = 4096;

/**
 * Derives the credential for `password` (a random 32-byte salt unless given).
 * @throws InvalidConfigError when iterations is under 4096
 */
export function createScramCredential(mechanism: ScramMechanismName, password: string, options: { iterations?: number; salt?: Buffer } = {}): ScramCredential {
  const iterations = options.iterations ?? MIN_SCRAM_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS) throw new InvalidConfigError(`${mechanism} iterations must be an integer ≥ ${MIN_SCRAM_ITERATIONS}, got ${iterations}`, 'iterations');
  const digest = SCRAM_DIGEST[mechanism];
  const salt = options.salt ?? crypto.randomBytes(32);
  const { storedKey, serverKey } = scramKeys(digest, saltedPasswordSync(digest, password, salt, iterations));
  return { salt, storedKey, serverKey, iterations };
}

export function formatScramCredential(c: ScramCredential): string {
  return `salt=${c.salt.toString('base64')},stored_key=${c.storedKey.toString('base64')},server_key=${c.serverKey.toString('base64')},iterations=${c.iterations}`;
}

/**
 * Reads Kafka's text form back. `where` names the place for errors (`users.txt:3`).
 * @throws InvalidConfigError naming the missing or bad field
 */
export function parseScramCredential(mechanism: ScramMechanismName, text: string, where: string): ScramCredential {
  const attrs = parseScramAttributes(text);
  const keyBytes = SCRAM_KEY_BYTES[SCRAM_DIGEST[mechanism]];
  const bytes = (name: string, length?: number): Buffer => {
    const value = attrs.get(name);
    if (value === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw new InvalidConfigError(`${where}: ${mechanism} credential has no base64 "${name}"`, name);
    const out = Buffer.from(value, 'base64');
    if (length !== undefined && out.length !== length) throw new InvalidConfigError(`${where}: ${mechanism} "${name}" must be ${length} bytes, got ${out.length}`, name);
    return out;
  };
  const iterations = Number(attrs.get('iterations'));
  if (!Number.isInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS) {
    throw new InvalidConfigError(`${where}: ${mechanism} "iterations" must be an integer ≥ ${MIN_SCRAM_ITERATIONS}, got "${attrs.get('iterations') ?? ''}"`, 'iterations');
  }
  return { salt: bytes('salt'), storedKey: bytes('stored_key', keyBytes), serverKey: bytes('server_key', keyBytes), iterations };
}
