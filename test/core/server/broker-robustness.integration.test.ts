/**
 * The broker under bad input and crashes: random and truncated frames from fast-check leave it up
 * and correct for other clients; a SIGKILL after acks=all loses no acknowledged record.
 */
import net from 'node:net';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { encodeRequest, KAFKA_APIS, sizePrefixed } from '../../../core/protocol/kafka/index.js';
import { SERVED_APIS } from '../../../core/server/request-handlers.js';
import { kcat, startBrokerProcess } from './broker-process.js';

const kafkajs = (bootstrap: string) =>
  new Kafka({ brokers: [bootstrap], clientId: 'sluice-test', logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 }, requestTimeout: 5000, connectionTimeout: 2000 });

/** Sends `bytes`, half-closes, and resolves when the broker closed the connection (returns what it answered). */
function exchange(bootstrap: string, bytes: Buffer): Promise<Buffer> {
  const [host, port] = bootstrap.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), host);
    const received: Buffer[] = [];
    socket.on('data', (b) => received.push(b));
    socket.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    socket.on('close', () => resolve(Buffer.concat(received)));
    socket.end(bytes);
  });
}

const frame = (body: Buffer): Buffer => Buffer.concat(sizePrefixed([body]));

/** Garbage and near-misses: random bodies, valid requests cut short, bad keys, versions and sizes. */
const badFrames = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => frame(Buffer.from(b))),
  fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.constantFrom(...KAFKA_APIS), fc.nat(), fc.nat()).map(([api, vi, cut]) => {
    const v = api.versions[0] + (vi % (api.versions[1] - api.versions[0] + 1));
    const whole = Buffer.concat(encodeRequest(api, v, 1, 'fuzz', {}));
    return frame(whole.subarray(0, cut % whole.length));
  }),
  fc.tuple(fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: -32768, max: 32767 }), fc.uint8Array({ maxLength: 16 })).map(([key, version, rest]) => {
    const head = Buffer.alloc(8);
    head.writeInt16BE(key, 0);
    head.writeInt16BE(version, 2);
    head.writeInt32BE(9, 4);
    return frame(Buffer.concat([head, Buffer.from(rest)]));
  }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((size) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(size, 0);
    return b;
  }),
);

describe('sluice broker robustness', () => {
  it('stays up and correct for other clients while random and truncated frames arrive', async ({ onTestFinished }) => {
    const broker = await startBrokerProcess(onTestFinished, { args: ['-c', 'socket.request.max.bytes=1048576'] });
    const kafka = kafkajs(broker.bootstrap);
    const producer = kafka.producer();
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(badFrames, async (bytes) => {
        await exchange(broker.bootstrap, bytes);
        // A well-behaved client on its own connection is served throughout.
        await producer.send({ topic: 'steady', acks: -1, messages: [{ value: `m${sent++}` }] });
      }),
      { numRuns: 150 },
    );
    expect(broker.child.exitCode).toBeNull();
    const values = (await kcat(['-b', broker.bootstrap, '-C', '-t', 'steady', '-o', 'beginning', '-e', '-q', '-f', '%s\n'])).trim().split('\n');
    expect(values).toEqual(Array.from({ length: sent }, (_, i) => `m${i}`));
    // An over-size frame is refused with one log line naming the limit.
    const oversize = Buffer.alloc(4);
    oversize.writeInt32BE(2 * 1024 * 1024, 0);
    expect(await exchange(broker.bootstrap, oversize)).toHaveLength(0);
    expect(broker.stderr()).toMatch(/larger than socket\.request\.max\.bytes \(1048576\); closing the connection/);
    expect(await broker.stop()).toBe(0);
  });

  it('answers ApiVersions of an unknown version at v0 with UNSUPPORTED_VERSION and the supported ranges', async ({ onTestFinished }) => {
    const broker = await startBrokerProcess(onTestFinished);
    const head = Buffer.alloc(10);
    head.writeInt16BE(18, 0);
    head.writeInt16BE(99, 2);
    head.writeInt32BE(42, 4);
    head.writeInt16BE(-1, 8); // null client id
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const [host, port] = broker.bootstrap.split(':');
      const socket = net.connect(Number(port), host, () => socket.write(frame(head)));
      socket.once('data', (b) => {
        socket.destroy();
        resolve(b);
      });
      socket.on('error', reject);
    });
    expect(answer.readInt32BE(4)).toBe(42); // correlation id
    expect(answer.readInt16BE(8)).toBe(35); // UNSUPPORTED_VERSION
    expect(answer.readInt32BE(10)).toBe(SERVED_APIS.length);
  });

  it('keeps every acks=all record after a SIGKILL of the broker and a restart', async ({ onTestFinished }) => {
    const first = await startBrokerProcess(onTestFinished, { args: ['-c', 'num.partitions=2'] });
    const kafka = kafkajs(first.bootstrap);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    onTestFinished(() => producer.disconnect().catch(() => undefined));
    const acknowledged: string[] = [];
    let killed = false;
    const producing = (async () => {
      for (let batch = 0; ; batch++) {
        const values = Array.from({ length: 50 }, (_, i) => `b${batch}-${i}`);
        try {
          await producer.send({ topic: 'durable', acks: -1, messages: values.map((value) => ({ key: value, value })) });
        } catch {
          if (killed) return;
          throw new Error('produce failed before the broker was killed');
        }
        acknowledged.push(...values);
        if (acknowledged.length >= 2000 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    })();
    await producing;
    await first.exited;
    const second = await startBrokerProcess(onTestFinished, { dataDir: first.dataDir });
    const stored = new Set((await kcat(['-b', second.bootstrap, '-C', '-t', 'durable', '-o', 'beginning', '-e', '-q', '-f', '%s\n'])).trim().split('\n'));
    expect(acknowledged.length).toBeGreaterThanOrEqual(2000);
    expect(acknowledged.filter((v) => !stored.has(v))).toEqual([]);
    expect(await second.stop()).toBe(0);
  });
});
