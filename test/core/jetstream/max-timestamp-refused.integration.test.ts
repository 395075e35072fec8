/**
 * The JetStream engine refuses ListOffsets by max timestamp (KIP-734) with UNSUPPORTED_VERSION, as
 * a Kafka broker before v7 would, and the broker passes that code to the client; the latest offset
 * of the same partition still answers.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { openCluster, startBroker, UnsupportedVersionError } from '../../../core/index.js';
import { ListOffsetsApi } from '../../../core/protocol/kafka/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { startNatsServer } from '../../connectors/nats/nats-server.js';
import { KafkaTestClient } from '../server/kafka-test-client.js';

describe('JetStream engine: ListOffsets by max timestamp', () => {
  test('is refused with UNSUPPORTED_VERSION, on the seam and on the wire; latest still answers', async () => {
    const server = await startNatsServer();
    const cluster = await openCluster({ jetstream: { servers: [server.url], prefix: 'maxts', maintenanceIntervalMs: 0 } });
    // Closed in order: the broker and client (below), then the engine, then the server it needs.
    onTestFinished(async () => {
      await cluster.close();
      await server.destroy();
    });
    await cluster.createTopic('t', { partitions: 1 });
    await cluster.produce('t', 0, encodeRecordBatch([{ value: 'a', timestamp: 5 }, { value: 'b', timestamp: 9 }]));
    await expect(cluster.listOffset('t', 0, 'max-timestamp')).rejects.toBeInstanceOf(UnsupportedVersionError);
    expect(await cluster.listOffset('t', 0, 'latest')).toBe(2);

    const broker = await startBroker(cluster, { port: 0, log: () => undefined });
    const client = await KafkaTestClient.connect(broker.address.port);
    try {
      const answer = await client.send(ListOffsetsApi, 9, { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -3 }] }] });
      expect(answer.topics[0].partitions[0]).toMatchObject({ errorCode: 35, offset: -1 });
    } finally {
      client.close();
      await broker.close();
    }
  });
});
