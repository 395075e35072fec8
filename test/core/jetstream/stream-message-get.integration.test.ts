/**
 * `getStreamMessage` (our STREAM.MSG.GET request, pinned to nats-server's JSON answer as nats.js
 * 3.x sends it) against a real nats-server: by sequence, last and next by subject, a missing
 * sequence, an API error, binary payloads byte for byte, and abort.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { getStreamMessage } from '../../../core/jetstream/stream-message-get.js';
import { startNatsServer, type NatsServer } from '../../connectors/nats/nats-server.js';

let server: NatsServer;
let nc: NatsConnection;
const payloads = [randomBytes(1), randomBytes(300_000), Buffer.from([0, 255, 0x2b, 0x2f, 0x3d])];

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'GET', subjects: ['get.a', 'get.b'] });
  const js = jetstream(nc);
  for (const [i, p] of payloads.entries()) await js.publish(i === 1 ? 'get.b' : 'get.a', p);
});
afterAll(async () => {
  await nc?.close();
  await server?.destroy();
});

describe('getStreamMessage (nats-server)', () => {
  test('reads a message by sequence, byte for byte', async () => {
    for (const [i, p] of payloads.entries()) {
      const m = await getStreamMessage(nc, 'GET', { seq: i + 1 });
      expect(m?.seq).toBe(i + 1);
      expect(m?.data.equals(p)).toBe(true);
    }
  });

  test('reads the last and the next message of a subject', async () => {
    expect((await getStreamMessage(nc, 'GET', { last_by_subj: 'get.a' }))?.seq).toBe(3);
    expect((await getStreamMessage(nc, 'GET', { seq: 2, next_by_subj: 'get.a' }))?.seq).toBe(3);
    expect((await getStreamMessage(nc, 'GET', { seq: 0, next_by_subj: 'get.b' }))?.seq).toBe(2);
  });

  test('answers null for a sequence past the end', async () => {
    expect(await getStreamMessage(nc, 'GET', { seq: 99 })).toBeNull();
    expect(await getStreamMessage(nc, 'GET', { seq: 4, next_by_subj: 'get.a' })).toBeNull();
  });

  test('throws JetStreamApiError for an unknown stream', async () => {
    const error = await getStreamMessage(nc, 'NO-SUCH-STREAM', { seq: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JetStreamApiError);
    expect((error as JetStreamApiError).code).toBe(10059); // stream not found
  });

  test('an aborted signal stops the wait with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(getStreamMessage(nc, 'GET', { seq: 1 }, controller.signal)).rejects.toThrow('stop');
  });
});
