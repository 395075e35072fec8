/**
 * Forwarded group requests on the JetStream engine when a reply is lost (issue 16): NATS
 * request/reply is at-most-once, so a JoinGroup or SyncGroup whose request or reply went through a
 * node that died is never answered. The member must send it again after the rebalance timeout
 * (plus Kafka's 5 s lapse), not wait for minutes while its heartbeats keep its partitions assigned.
 *
 * The coordinator here is a stand-in holding a live lease (renewed in the KV bucket): it drops the
 * first copy of each request, as a dying node would, and answers the second.
 */
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { openCluster, type JoinGroupResponse, type SyncGroupResponse } from '../../../core/index.js';
import { leaseKey } from '../../../core/jetstream/group-router.js';
import { decodeWire, encodeWire, type GroupRequestMessage } from '../../../core/jetstream/group-wire.js';
import { startNatsServer, type NatsServer } from '../../connectors/nats/nats-server.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.destroy();
});

describe('JetStream engine: forwarded group requests', () => {
  test('a JoinGroup and a SyncGroup whose replies are lost are sent again after the rebalance timeout and answered', async () => {
    const prefix = 'fwd';
    const cluster = await openCluster({ jetstream: { servers: server.url, prefix, maintenanceIntervalMs: 0, coordinatorLeaseMs: 2000 } });
    onTestFinished(() => cluster.close());

    // The stand-in coordinator: a live lease naming its subject, renewed faster than the lease length.
    const nc = await connect({ servers: server.url });
    onTestFinished(() => nc.close());
    const kv = await new Kvm(nc).open(prefix);
    const subject = `${prefix}.coordinator.stand-in`;
    const lease = JSON.stringify({ owner: 'stand-in', subject, pid: 1, host: 'stand-in' });
    await kv.put(leaseKey('g'), lease);
    const renew = setInterval(() => void kv.put(leaseKey('g'), lease).catch(() => {}), 300);
    onTestFinished(() => clearInterval(renew));

    const joined: JoinGroupResponse = { generationId: 7, protocolType: 'consumer', protocolName: 'range', leaderId: 'm-1', memberId: 'm-1', members: [], skipAssignment: false };
    const received: { op: string; memberId: string; at: number }[] = [];
    nc.subscribe(subject, {
      callback: (_error, msg) => {
        const request = decodeWire<GroupRequestMessage>(msg.data);
        const body = request.body as { memberId: string };
        received.push({ op: request.op, memberId: body.memberId, at: Date.now() });
        const copies = received.filter((r) => r.op === request.op).length;
        if (copies === 1) return; // the first copy is lost
        const ok = request.op === 'join' ? joined : { protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('assigned') };
        msg.respond(encodeWire({ ok }));
      },
    });
    await nc.flush();

    const rebalanceTimeoutMs = 1000;
    const join = await cluster.joinGroup({ groupId: 'g', memberId: 'm-1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
    expect(join).toEqual(joined);
    const sync: SyncGroupResponse = await cluster.syncGroup({ groupId: 'g', generationId: 7, memberId: 'm-1', protocolType: 'consumer', protocolName: 'range', assignments: [] });
    expect(Buffer.from(sync.assignment).toString()).toBe('assigned');

    expect(received.map((r) => `${r.op} ${r.memberId}`)).toEqual(['join m-1', 'join m-1', 'sync m-1', 'sync m-1']);
    // Sent again only once the coordinator may no longer be holding it (the rebalance timeout).
    expect(received[1].at - received[0].at).toBeGreaterThanOrEqual(rebalanceTimeoutMs);
    expect(received[3].at - received[2].at).toBeGreaterThanOrEqual(rebalanceTimeoutMs);
  }, 120_000);
});
