/**
 * The remote engine over TLS: a `sluice broker` child behind a TLS terminator (Node's `tls` server,
 * a certificate made by openssl for 127.0.0.1), advertised at the terminator's address so every
 * connection the client opens after the bootstrap one goes through TLS too. The sluice broker
 * serves plain TCP only; Kafka brokers terminate TLS themselves, to the client it is the same.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createConsumer, createProducer, openCluster, stringSerde } from '../../../core/index.js';
import { tempDir } from '../../helpers.js';
import { startBrokerProcess } from '../server/broker-process.js';

/** A self-signed certificate for IP 127.0.0.1 (openssl must be installed). */
function certificate(dir: string): { key: Buffer; cert: Buffer } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

/** Listens with TLS on a free port; `forwardTo` is set once the broker behind it is known. */
async function tlsTerminator(credentials: { key: Buffer; cert: Buffer }) {
  let target: { host: string; port: number } | null = null;
  let accepted = 0;
  const server = tls.createServer(credentials, (socket) => {
    accepted++;
    const upstream = net.connect(target!.port, target!.host);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    forwardTo: (bootstrap: string) => {
      const [host, p] = bootstrap.split(':');
      target = { host, port: Number(p) };
    },
    accepted: () => accepted,
  };
}

describe('RemoteCluster over TLS', () => {
  test('produces and consumes through TLS with the CA given; a client that does not trust the certificate fails with a clear error', async () => {
    const dir = tempDir('sluice-tls-');
    const credentials = certificate(dir);
    const terminator = await tlsTerminator(credentials);
    const broker = await startBrokerProcess(onTestFinished, { args: ['--advertised', terminator.address] });
    terminator.forwardTo(broker.bootstrap);

    const cluster = await openCluster({ bootstrapServers: [terminator.address], ssl: { ca: credentials.cert } });
    onTestFinished(() => cluster.close());
    await cluster.createTopic('secure', { partitions: 2 });
    const producer = createProducer<string, string>(cluster, { keySerde: stringSerde as never, valueSerde: stringSerde as never });
    await producer.send(Array.from({ length: 100 }, (_, i) => ({ topic: 'secure', key: `k${i}`, value: `v${i}` })));
    await producer.close();
    const consumer = createConsumer(cluster, { keySerde: stringSerde, valueSerde: stringSerde, autoOffsetReset: 'earliest' });
    consumer.assign([0, 1].map((partition) => ({ topic: 'secure', partition })));
    const values: string[] = [];
    while (values.length < 100) for (const r of await consumer.poll({ timeoutMs: 200 })) values.push(r.value!);
    await consumer.close();
    expect(values.sort()).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`).sort());
    expect(terminator.accepted()).toBeGreaterThan(0);

    // The system CAs do not know this self-signed certificate.
    const refused = await openCluster({ bootstrapServers: [terminator.address], ssl: true, retries: 1, retryBackoffMs: 10 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error).message) + String((refused as Error).cause ?? '')).toMatch(/certificate|self.signed/i);
  });
});
