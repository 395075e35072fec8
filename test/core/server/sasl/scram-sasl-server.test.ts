/**
 * The broker's SCRAM and PLAIN servers and the users file: the RFC 7677 exchange byte for byte from
 * the server side, round trips with our own ScramClient (property-based over names and passwords),
 * and the refusals (wrong proof, unknown user, bad messages) with the reason kept for the log.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InvalidConfigError } from '../../../../core/errors.js';
import { ScramClient } from '../../../../core/remote/sasl-authenticator.js';
import { PlainSaslServer } from '../../../../core/server/sasl/plain-sasl-server.js';
import { SaslLoginRefusedError } from '../../../../core/server/sasl/sasl-server.js';
import { SaslUsers, withSaslUser } from '../../../../core/server/sasl/sasl-users.js';
import { ScramSaslServer } from '../../../../core/server/sasl/scram-sasl-server.js';
import { createScramCredential, formatScramCredential, parseScramCredential } from '../../../../core/server/sasl/scram-credential.js';

// RFC 7677 §3: user "user", password "pencil".
const CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_NONCE = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const SERVER_FIRST = `r=${CLIENT_NONCE}${SERVER_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
const CLIENT_FINAL = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

const usersWith = (user: string, password: string, mechanisms: ('SCRAM-SHA-256' | 'SCRAM-SHA-512')[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'], salt?: Buffer): SaslUsers => {
  let text = '';
  for (const m of mechanisms) text = withSaslUser(text, user, m, createScramCredential(m, password, { salt }));
  return SaslUsers.parse(text, 'users.txt');
};

const refusal = async (promise: Promise<unknown>): Promise<SaslLoginRefusedError> => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SaslLoginRefusedError);
  return error as SaslLoginRefusedError;
};

describe('ScramSaslServer', () => {
  test("answers RFC 7677's client messages with its server-first and server-final, from a stored credential only", async () => {
    const server = new ScramSaslServer('SCRAM-SHA-256', usersWith('user', 'pencil', ['SCRAM-SHA-256'], SALT), SERVER_NONCE);
    const first = await server.evaluate(Buffer.from(`n,,n=user,r=${CLIENT_NONCE}`));
    expect(first).toEqual({ challenge: Buffer.from(SERVER_FIRST), done: false });
    expect(server.username).toBeNull();
    const final = await server.evaluate(Buffer.from(CLIENT_FINAL));
    expect(final).toEqual({ challenge: Buffer.from(SERVER_FINAL), done: true });
    expect(server.username).toBe('user');
  });

  test('a wrong proof and an unknown user get the same message; the log reason tells them apart', async () => {
    const users = usersWith('user', 'pencil', ['SCRAM-SHA-256'], SALT);
    const server = new ScramSaslServer('SCRAM-SHA-256', users, SERVER_NONCE);
    await server.evaluate(Buffer.from(`n,,n=user,r=${CLIENT_NONCE}`));
    const wrong = await refusal(server.evaluate(Buffer.from(CLIENT_FINAL.replace('p=dH', 'p=dX'))));
    const unknown = await refusal(new ScramSaslServer('SCRAM-SHA-256', users).evaluate(Buffer.from(`n,,n=nobody,r=${CLIENT_NONCE}`)));
    expect(wrong.message).toBe('Authentication failed: invalid username or password (SASL mechanism SCRAM-SHA-256)');
    expect(unknown.message).toBe(wrong.message);
    expect(wrong.reason).toBe('wrong password for user "user"');
    expect(unknown.reason).toBe('unknown user "nobody" (no SCRAM-SHA-256 credential)');
    // A user with only a SHA-256 credential cannot log in with SHA-512.
    expect((await refusal(new ScramSaslServer('SCRAM-SHA-512', users).evaluate(Buffer.from(`n,,n=user,r=${CLIENT_NONCE}`)))).reason).toContain('no SCRAM-SHA-512 credential');
  });

  test('refuses channel binding, a changed nonce, another authorization id and a token after the login', async () => {
    const users = usersWith('user', 'pencil');
    expect((await refusal(new ScramSaslServer('SCRAM-SHA-256', users).evaluate(Buffer.from('p=tls-unique,,n=user,r=abc')))).message).toContain('channel binding is not supported');
    expect((await refusal(new ScramSaslServer('SCRAM-SHA-256', users).evaluate(Buffer.from('n,a=admin,n=user,r=abc')))).message).toContain('authorization id');
    const server = new ScramSaslServer('SCRAM-SHA-256', users, 'S');
    const client = new ScramClient('sha256', 'user', 'pencil', 'C');
    await server.evaluate(client.clientFirst());
    const final = client.clientFinal((await new ScramSaslServer('SCRAM-SHA-256', users, 'S').evaluate(Buffer.from('n,,n=user,r=C'))).challenge.toString());
    expect((await refusal(new ScramSaslServer('SCRAM-SHA-256', users, 'T').evaluate(Buffer.from('n,,n=user,r=C')).then(() => new ScramSaslServer('SCRAM-SHA-256', users, 'T')).then(async (s) => {
      await s.evaluate(Buffer.from('n,,n=user,r=C'));
      return s.evaluate(final); // the proof is for nonce CS, this server chose CT
    }))).reason).toBe('nonce mismatch');
    expect((await server.evaluate(final)).done).toBe(true);
    expect((await refusal(server.evaluate(final))).reason).toBe('a token after the login');
  });

  test('logs in every user our ScramClient logs in with the right password, and none with another (SHA-256 and SHA-512)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[^\s#][^\s]{0,11}$/), fc.string({ minLength: 1, maxLength: 16 }), fc.string({ minLength: 1, maxLength: 16 }), fc.constantFrom('SCRAM-SHA-256' as const, 'SCRAM-SHA-512' as const), async (user, password, other, mechanism) => {
        const users = usersWith(user, password, [mechanism]);
        const digest = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
        for (const attempt of [password, other]) {
          const client = new ScramClient(digest, user, attempt);
          const server = new ScramSaslServer(mechanism, users);
          const first = await server.evaluate(client.clientFirst());
          const final = client.clientFinal(first.challenge.toString('utf8'));
          if (attempt === password) {
            const last = await server.evaluate(final);
            expect(last.done).toBe(true);
            client.verifyServerFinal(last.challenge.toString('utf8'), 'broker');
            expect(server.username).toBe(user);
          } else {
            expect((await refusal(server.evaluate(final))).reason).toBe(`wrong password for user "${user}"`);
          }
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe('PlainSaslServer', () => {
  test('checks the password against the SCRAM credential; refuses a wrong one, an unknown user and a malformed token', async () => {
    const users = usersWith('alice', 'alice-secret', ['SCRAM-SHA-256']);
    const ok = new PlainSaslServer(users);
    expect(await ok.evaluate(Buffer.from('\u0000alice\u0000alice-secret'))).toEqual({ challenge: Buffer.alloc(0), done: true });
    expect(ok.username).toBe('alice');
    expect((await new PlainSaslServer(users).evaluate(Buffer.from('alice\u0000alice\u0000alice-secret'))).done).toBe(true);
    const wrong = await refusal(new PlainSaslServer(users).evaluate(Buffer.from('\u0000alice\u0000nope')));
    const unknown = await refusal(new PlainSaslServer(users).evaluate(Buffer.from('\u0000bob\u0000alice-secret')));
    expect(wrong.message).toBe('Authentication failed: invalid username or password (SASL mechanism PLAIN)');
    expect(unknown.message).toBe(wrong.message);
    expect([wrong.reason, unknown.reason]).toEqual(['wrong password for user "alice"', 'unknown user "bob"']);
    expect((await refusal(new PlainSaslServer(users).evaluate(Buffer.from('alice:alice-secret')))).message).toBe('Invalid SASL/PLAIN response: expected 3 tokens, got 1');
    expect((await refusal(new PlainSaslServer(users).evaluate(Buffer.from('bob\u0000alice\u0000alice-secret')))).message).toContain('authorization id');
  });
});

describe('SaslUsers file', () => {
  test("stores Kafka's credential text, never the password, and reads it back", () => {
    const credential = createScramCredential('SCRAM-SHA-512', 'hunter2', { iterations: 8192 });
    const text = withSaslUser(withSaslUser('# users\n', 'alice', 'SCRAM-SHA-512', credential), 'bob', 'SCRAM-SHA-256', createScramCredential('SCRAM-SHA-256', 'x'));
    expect(text).not.toContain('hunter2');
    expect(text.split('\n')[1]).toMatch(/^alice SCRAM-SHA-512 salt=[A-Za-z0-9+/=]+,stored_key=[A-Za-z0-9+/=]+,server_key=[A-Za-z0-9+/=]+,iterations=8192$/);
    const users = SaslUsers.parse(text, 'users.txt');
    expect(users.size).toBe(2);
    expect(users.credential('alice', 'SCRAM-SHA-512')).toEqual(credential);
    expect(users.credential('alice', 'SCRAM-SHA-256')).toBeUndefined();
    expect(parseScramCredential('SCRAM-SHA-512', formatScramCredential(credential), 'x')).toEqual(credential);
    // Setting a credential again replaces its line.
    const replaced = withSaslUser(text, 'alice', 'SCRAM-SHA-512', createScramCredential('SCRAM-SHA-512', 'new'));
    expect(replaced.split('\n').filter((l) => l.startsWith('alice '))).toHaveLength(1);
  });

  test('names the file, line and field of a bad entry', () => {
    const good = withSaslUser('', 'alice', 'SCRAM-SHA-256', createScramCredential('SCRAM-SHA-256', 'p'));
    const bad = (text: string): string => {
      try {
        SaslUsers.parse(text, 'users.txt');
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigError);
        return (error as Error).message;
      }
      throw new Error('parsed');
    };
    expect(bad(`# c\n${good}alice\n`)).toBe('users.txt:3: expected "USER MECHANISM CREDENTIAL", got "alice"');
    expect(bad('bob PLAIN password=x\n')).toContain('users.txt:1: mechanism "PLAIN" is not one of SCRAM-SHA-256, SCRAM-SHA-512');
    expect(bad(good.replace(/iterations=\d+/, 'iterations=10'))).toBe('users.txt:1: SCRAM-SHA-256 "iterations" must be an integer ≥ 4096, got "10"');
    expect(bad(good.replace(/stored_key=[^,]+/, 'stored_key=AAAA'))).toBe('users.txt:1: SCRAM-SHA-256 "stored_key" must be 32 bytes, got 3');
    expect(bad(good + good)).toBe('users.txt:2: a second SCRAM-SHA-256 credential for user "alice"');
    expect(() => withSaslUser('', 'a b', 'SCRAM-SHA-256', createScramCredential('SCRAM-SHA-256', 'p'))).toThrow('must be non-empty, without whitespace');
    expect(() => withSaslUser('', '#root', 'SCRAM-SHA-256', createScramCredential('SCRAM-SHA-256', 'p'))).toThrow('not start with "#"');
  });
});
