/**
 * `LeaderConnections` on a real 3-node nats-server cluster: from one configured URL it reaches
 * every server (the cluster advertises the others), publishes to a stream go through its leader's
 * connection, and a killed server's connection is no longer used (the main one is).
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { LeaderConnections } from '../../../core/jetstream/leader-connections.js';
import { eventually, sharedNatsCluster } from '../../connectors/nats/nats-test-helpers.js';

const nats = sharedNatsCluster(3);

describe('LeaderConnections (3-node nats-server cluster)', () => {
  test('from one configured server it connects to all three, publishes through the leader of each stream, and skips a killed server', async () => {
    const nc = await connect({ servers: nats().servers[0] });
    onTestFinished(() => nc.close());
    const primaryJs = jetstream(nc);
    const leaders = new LeaderConnections(nc, primaryJs);
    onTestFinished(() => leaders.close());
    leaders.start({ servers: nats().servers[0], reconnectWaitMs: 50, reconnectWaitMaxMs: 200 });
    // Right after the cluster started its routes may still be forming: the others are advertised as they join.
    await eventually('connections to n2 and n3', async () => {
      await leaders.ready;
      return leaders.servers.length === 3;
    }, 20_000);
    expect(leaders.servers.sort()).toEqual(['n1', 'n2', 'n3']);
    expect(leaders.publisher(null)).toBe(primaryJs);
    expect(leaders.publisher('n1')).toBe(primaryJs); // the main connection is on n1
    expect(leaders.publisher('n9')).toBe(primaryJs); // unknown server: the main connection
    expect(leaders.publisher('n2')).not.toBe(primaryJs);
    expect(leaders.publisher('n3')).not.toBe(primaryJs);
    expect(leaders.publisher('n2')).not.toBe(leaders.publisher('n3'));

    // A stream placed on n2 (R1): its publishes go through n2's connection and are stored.
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    // JetStream's meta leader may still be in election: try until the stream is added.
    await eventually('stream on n2', () =>
      jsm.streams.add({ name: 'ON2', subjects: ['on2'], num_replicas: 1, placement: { cluster: 'sluice-test', tags: ['n2'] } }).then(
        () => true,
        () => false,
      ),
    30_000);
    const leader = (await jsm.streams.info('ON2')).cluster?.leader;
    expect(leader).toBe('n2');
    const ack = await leaders.publisher(leader).publish('on2', new Uint8Array([1, 2, 3]));
    expect(ack).toMatchObject({ stream: 'ON2', seq: 1 });

    // n3 dies: its connection is not used while it is down; back again once it reconnects.
    await nats().nodes[2].kill();
    await eventually('n3 disconnected', async () => leaders.publisher('n3') === primaryJs, 20_000);
    expect(leaders.servers.sort()).toEqual(['n1', 'n2']);
    await nats().nodes[2].start();
    await eventually('n3 reconnected', async () => leaders.publisher('n3') !== primaryJs, 30_000);
  }, 120_000);
});
