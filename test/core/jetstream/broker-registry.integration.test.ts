/**
 * The broker registry over a real nats-server: node ids claimed by compare-and-set, a fixed id
 * held by a live broker refused, a broker that closes leaves at once, one that dies (connection
 * gone, no goodbye) leaves when its lease expires.
 */
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { expect, onTestFinished, test, vi } from 'vitest';
import { registerBroker } from '../../../core/jetstream/broker-registry.js';
import { SluiceError } from '../../../core/index.js';
import { describeWithNats, eventually, testNatsServer } from '../../connectors/nats/nats-test-helpers.js';

async function client(url: string) {
  const nc = await connect({ servers: url });
  onTestFinished(() => nc.close());
  return { nc, js: jetstream(nc) };
}

describeWithNats('broker registry (KV leases)', () => {
  test('claims the lowest free ids, refuses a held fixed id, and drops a closed or dead broker', async () => {
    const server = await testNatsServer();
    const a = await client(server.url);
    const b = await client(server.url);
    const options = { prefix: 'reg', replicas: 1, leaseMs: 1500 };
    const first = await registerBroker(a.js, { ...options, host: 'h', port: 1 });
    const second = await registerBroker(b.js, { ...options, host: 'h', port: 2 });
    expect([first.nodeId, second.nodeId]).toEqual([0, 1]);
    expect(await first.live()).toEqual([{ nodeId: 0, host: 'h', port: 1 }, { nodeId: 1, host: 'h', port: 2 }]);

    const taken = await registerBroker(a.js, { ...options, host: 'h', port: 3, nodeId: 1 }).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(SluiceError);
    expect((taken as SluiceError).code).toBe('NODE_ID_TAKEN');
    expect((taken as Error).message).toContain('node.id 1 is held by another live broker ({"host":"h","port":2})');

    // Renewals keep a lease past its length.
    await new Promise((r) => setTimeout(r, 2 * options.leaseMs)); // the lease's length is what is tested
    const third = await registerBroker(a.js, { ...options, host: 'h', port: 3 });
    expect(third.nodeId).toBe(2);

    // A broker that closes leaves at once; its id is free again.
    await third.close();
    await eventually('node 2 gone', async () => (await registerBroker(a.js, { ...options, host: 'h', port: 4, nodeId: 2 }).then((m) => m.close().then(() => true), () => false)), 10_000);

    // A broker whose process died (its connection gone, no goodbye) leaves when its lease expires.
    await b.nc.close();
    await eventually('node 1 expired', async () => {
      const fresh = await registerBroker(a.js, { ...options, host: 'h', port: 5, nodeId: 1 }).catch(() => null);
      await fresh?.close();
      return fresh !== null;
    }, 15_000);
    await first.close();
  });
  test('lists each live broker once while leases are renewed during the listing', async () => {
    const server = await testNatsServer();
    const a = await client(server.url);
    // Twelve brokers renewing every 100 ms: a key updated while the listing's consumer runs is
    // delivered to it again (KV keys() reads on until nothing is pending).
    const options = { prefix: 'busy', replicas: 1, leaseMs: 300 };
    const members: Awaited<ReturnType<typeof registerBroker>>[] = [];
    for (let i = 0; i < 12; i++) members.push(await registerBroker(a.js, { ...options, host: 'h', port: i }));
    onTestFinished(() => Promise.all(members.map((m) => m.close())).then(() => undefined));
    // Every live() lists afresh: its one-second cache is moved past by the clock it reads.
    let now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => (now += 2000));
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    for (let listing = 0; listing < 40; listing++) {
      const ids = (await members[0]!.live()).map((b) => b.nodeId);
      expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
      expect(ids.length).toBeGreaterThanOrEqual(1);
    }
  });
});
