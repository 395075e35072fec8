/**
 * The JetStream engine reads its KV bucket (committed offsets, group leases, topics) from the
 * bucket's leader (`STREAM.MSG.GET`), never by direct get (`DIRECT.GET`), which any replica may
 * answer before it applied the last writes. A spy connection on a real nats-server sees every
 * API request the engine makes while a group's offsets are committed and read by a second engine
 * (which adopts the group: it reads the lease and the offsets from the bucket).
 */
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { openCluster, type JetStreamCluster } from '../../../core/index.js';
import { startNatsServer, type NatsServer } from '../../connectors/nats/nats-server.js';

let server: NatsServer;

async function open(prefix: string): Promise<JetStreamCluster> {
  const cluster = await openCluster({ jetstream: { servers: server.url, prefix, maintenanceIntervalMs: 0 } });
  onTestFinished(() => cluster.close());
  return cluster;
}

beforeAll(async () => {
  server = await startNatsServer();
}, 60_000);
afterAll(async () => {
  await server?.destroy();
});

describe('JetStream engine KV reads (nats-server)', () => {
  test('committed offsets and group leases are read from the bucket leader, never by direct get', async () => {
    const spy = await connect({ servers: server.url });
    onTestFinished(() => spy.close());
    const requests: string[] = [];
    spy.subscribe('$JS.API.>', { callback: (_, m) => void requests.push(m.subject) });
    await spy.flush();

    const first = await open('kvlead');
    await first.createTopic('t', { partitions: 1 });
    await first.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 7 }] });
    await first.close();
    const second = await open('kvlead'); // adopts the group: reads its lease and offsets from the bucket
    expect((await second.fetchOffsets('g')).map((c) => c.offset)).toEqual([7]);
    await spy.flush();

    expect(requests.filter((s) => s.startsWith('$JS.API.STREAM.MSG.GET.KV_kvlead')).length).toBeGreaterThan(0);
    expect(requests.filter((s) => s.startsWith('$JS.API.DIRECT.GET.'))).toEqual([]);
  });
});
