/**
 * SASL on a broker in this process, through the remote engine's client (`openCluster({
 * bootstrapServers, sasl })`) and a bare socket: each mechanism logs in and works; a wrong
 * password, an unknown user and a mechanism not enabled fail with clear errors and a closed
 * connection; nothing but ApiVersions and SaslHandshake is answered before the login; the raw
 * tokens of SaslHandshake v0 work too.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openCluster, SaslAuthenticationError, SaslUsers, startBroker, withSaslUser, createScramCredential, type SaslMechanism, type SaslMechanismName } from '../../../../core/index.js';
import { ApiVersionsApi, MetadataApi, SaslAuthenticateApi, SaslHandshakeApi } from '../../../../core/protocol/kafka/index.js';
import { ScramClient } from '../../../../core/remote/sasl-authenticator.js';
import { FrameDecoder } from '../../../../core/server/frame-decoder.js';
import { testCluster } from '../../../helpers.js';
import { KafkaTestClient } from '../kafka-test-client.js';

const USERS = (() => {
  let text = withSaslUser('', 'alice', 'SCRAM-SHA-256', createScramCredential('SCRAM-SHA-256', 'alice-secret'));
  text = withSaslUser(text, 'alice', 'SCRAM-SHA-512', createScramCredential('SCRAM-SHA-512', 'alice-secret'));
  return SaslUsers.parse(text, 'users');
})();

async function saslBroker(onTestFinished: (fn: () => Promise<void> | void) => void, enabledMechanisms: SaslMechanismName[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']) {
  const cluster = await testCluster({ inMemory: true });
  const log: string[] = [];
  const broker = await startBroker(cluster, { port: 0, log: (line) => log.push(line), sasl: { enabledMechanisms, users: USERS } });
  onTestFinished(() => broker.close());
  return { broker, log, bootstrap: `127.0.0.1:${broker.address.port}` };
}

const connectError = (bootstrap: string, mechanism: SaslMechanism, username: string, password: string): Promise<unknown> =>
  openCluster({ bootstrapServers: [bootstrap], sasl: { mechanism, username, password }, retries: 0 }).then(
    async (c) => {
      await c.close();
      return null;
    },
    (e: unknown) => e,
  );

const closed = (client: KafkaTestClient): Promise<string> => client.send(MetadataApi, 9, { topics: null, allowAutoTopicCreation: false }).then(() => 'answered', (e: Error) => e.message);

describe('sluice broker with SASL (in process)', () => {
  it.for(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('the remote engine logs in with %s and then produces, fetches and lists topics', async (mechanism, { onTestFinished }) => {
    const { bootstrap } = await saslBroker(onTestFinished);
    const cluster = await openCluster({ bootstrapServers: [bootstrap], sasl: { mechanism, username: 'alice', password: 'alice-secret' } });
    onTestFinished(() => cluster.close());
    await cluster.createTopic('orders', { partitions: 1 });
    const { encodeRecordBatch } = await import('../../../../core/protocol/record-batch.js');
    await cluster.produce('orders', 0, encodeRecordBatch([{ value: 'one' }, { value: 'two' }]));
    expect((await cluster.fetch('orders', 0, 0)).highWatermark).toBe(2);
    expect(await cluster.listTopics()).toEqual(['orders']);
  });

  it('a wrong password, an unknown user and a mechanism not enabled get clear errors; the broker logs why', async ({ onTestFinished }) => {
    const { bootstrap, log } = await saslBroker(onTestFinished, ['SCRAM-SHA-512']);
    const wrong = await connectError(bootstrap, 'scram-sha-512', 'alice', 'guess');
    expect(wrong).toBeInstanceOf(SaslAuthenticationError);
    expect((wrong as Error).message).toBe(`SASL SCRAM-SHA-512 authentication as "alice" to ${bootstrap} failed: Authentication failed: invalid username or password (SASL mechanism SCRAM-SHA-512)`);
    const unknown = await connectError(bootstrap, 'scram-sha-512', 'mallory', 'alice-secret');
    expect((unknown as Error).message).toContain('as "mallory"');
    expect((unknown as Error).message).toContain('invalid username or password');
    const disabled = await connectError(bootstrap, 'plain', 'alice', 'alice-secret');
    expect(disabled).toBeInstanceOf(SaslAuthenticationError);
    expect((disabled as Error).message).toBe(`${bootstrap} does not enable SASL PLAIN (it offers: SCRAM-SHA-512)`);
    expect(log.join('\n')).toMatch(/SASL SCRAM-SHA-512 login refused: wrong password for user "alice"; closing the connection/);
    expect(log.join('\n')).toMatch(/SASL SCRAM-SHA-512 login refused: unknown user "mallory"/);
    expect(log.join('\n')).toMatch(/SASL mechanism "PLAIN" is not enabled \(SCRAM-SHA-512\); closing the connection/);
  });

  it('answers only ApiVersions and SaslHandshake before the login; anything else closes the connection', async ({ onTestFinished }) => {
    const { broker, log } = await saslBroker(onTestFinished);
    const client = await KafkaTestClient.connect(broker.address.port);
    onTestFinished(() => client.close());
    const versions = await client.send(ApiVersionsApi, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    const advertised = new Map((versions.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]).map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(advertised.get(SaslHandshakeApi.key)).toEqual([0, 1]);
    expect(advertised.get(SaslAuthenticateApi.key)).toEqual([0, 2]);
    expect(await closed(client)).toBe('connection closed');
    expect(log.at(-1)).toMatch(/Metadata v9 .*unexpected request with API key 3 during SASL handshake: SASL is required on this listener \(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512\)/);

    // SaslAuthenticate before a handshake is out of order too.
    const early = await KafkaTestClient.connect(broker.address.port);
    onTestFinished(() => early.close());
    expect(await early.send(SaslAuthenticateApi, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') }).then(() => 'answered', (e: Error) => e.message)).toBe('connection closed');
  });

  it('after the login a second SaslHandshake gets ILLEGAL_SASL_STATE (no re-authentication), and a broker without SASL answers it the same', async ({ onTestFinished }) => {
    const { broker } = await saslBroker(onTestFinished);
    const client = await KafkaTestClient.connect(broker.address.port);
    onTestFinished(() => client.close());
    expect(await client.send(SaslHandshakeApi, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    const auth = await client.send(SaslAuthenticateApi, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') });
    expect(auth).toMatchObject({ errorCode: 0, sessionLifetimeMs: 0 });
    expect((await client.send(MetadataApi, 9, { topics: null, allowAutoTopicCreation: false })).topics).toEqual([]);
    expect(await client.send(SaslHandshakeApi, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: 34, mechanisms: [] });

    const plainCluster = await testCluster({ inMemory: true });
    const plain = await startBroker(plainCluster, { port: 0, log: () => undefined });
    onTestFinished(() => plain.close());
    const plainClient = await KafkaTestClient.connect(plain.address.port);
    onTestFinished(() => plainClient.close());
    expect(await plainClient.send(SaslHandshakeApi, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: 34, mechanisms: [] });
    const refused = await connectError(`127.0.0.1:${plain.address.port}`, 'plain', 'alice', 'alice-secret');
    expect((refused as Error).message).toBe(`127.0.0.1:${plain.address.port} does not enable SASL PLAIN (it offers: none)`);
  });

  it('SaslHandshake v0: SCRAM tokens travel raw (size-prefixed, no header), then requests are served', async ({ onTestFinished }) => {
    const { broker } = await saslBroker(onTestFinished);
    const raw = await rawSocket(broker.address.port);
    onTestFinished(() => raw.close());
    const handshake = await raw.request(SaslHandshakeApi.key, 0, Buffer.concat([int16(13), Buffer.from('SCRAM-SHA-256')]));
    expect(handshake.readInt16BE(0)).toBe(0);
    const scram = new ScramClient('sha256', 'alice', 'alice-secret');
    const serverFirst = await raw.token(scram.clientFirst());
    const serverFinal = await raw.token(scram.clientFinal(serverFirst.toString('utf8')));
    expect(() => scram.verifyServerFinal(serverFinal.toString('utf8'), 'broker')).not.toThrow();
    // Now a request: Metadata v0 (empty topic array) is answered.
    const metadata = await raw.request(MetadataApi.key, 0, Buffer.from([0, 0, 0, 0]));
    expect(metadata.readInt32BE(0)).toBe(1); // one broker

    // A wrong password on v0 just closes the connection (raw tokens carry no error).
    const bad = await rawSocket(broker.address.port);
    onTestFinished(() => bad.close());
    await bad.request(SaslHandshakeApi.key, 0, Buffer.concat([int16(5), Buffer.from('PLAIN')]));
    await expect(bad.token(Buffer.from('\u0000alice\u0000guess'))).rejects.toThrow('connection closed');
  });
});

const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};

/** A socket that writes request v0/v1 headers by hand and reads frames, for the raw tokens of SaslHandshake v0. */
async function rawSocket(port: number) {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const decoder = new FrameDecoder(1 << 20);
  const frames: Buffer[] = [];
  let wake: (() => void) | null = null;
  let isClosed = false;
  socket.on('data', (chunk) => {
    frames.push(...decoder.push(chunk));
    wake?.();
  });
  socket.on('close', () => {
    isClosed = true;
    wake?.();
  });
  const next = async (): Promise<Buffer> => {
    while (frames.length === 0) {
      if (isClosed) throw new Error('connection closed');
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return frames.shift()!;
  };
  const frame = (body: Buffer): void => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    socket.write(Buffer.concat([size, body]));
  };
  let correlationId = 0;
  return {
    /** A request with header v1 (api key, version, correlation id, client id); resolves to the body after the correlation id. */
    async request(apiKey: number, version: number, body: Buffer): Promise<Buffer> {
      const header = Buffer.alloc(10);
      header.writeInt16BE(apiKey, 0);
      header.writeInt16BE(version, 2);
      header.writeInt32BE(++correlationId, 4);
      header.writeInt16BE(-1, 8);
      frame(Buffer.concat([header, body]));
      return (await next()).subarray(4);
    },
    async token(bytes: Buffer): Promise<Buffer> {
      frame(bytes);
      return next();
    },
    close: (): void => void socket.destroy(),
  };
}
