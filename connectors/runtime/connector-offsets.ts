/**
 * A connector's stored positions, in the shape of Kafka Connect's `GET /connectors/{name}/offsets`
 * (KIP-875): a list of `{ partition, offset }` maps.
 *
 * - Sources: one entry per source partition stored in `__connect_offsets`. Our source partitions
 *   are strings (a file's `<dev>:<ino>`, a JetStream stream), so the partition map is
 *   `{ "source.partition": "<id>" }`; the offset is the stored position (e.g. the file source's
 *   `{ offset, path, fp, fpBytes, line }`).
 * - Sinks: the committed offsets of the connector's group `connect-<name>`, in Kafka's common sink
 *   shape `{ kafka_topic, kafka_partition } → { kafka_offset }`.
 */
import type { Cluster } from '../../core/index.js';
import type { JsonValue } from '../connector.js';
import type { SourceOffsetStore } from './source-offset-store.js';

export interface ConnectorOffset {
  partition: Record<string, JsonValue>;
  offset: Record<string, JsonValue> | null;
}

export interface ConnectorOffsets {
  offsets: ConnectorOffset[];
}

/** The consumer group of sink `name` (as Kafka Connect names it). */
export function sinkGroupId(name: string): string {
  return `connect-${name}`;
}

/** Reads the stored positions of connector `name` of `kind`. */
export async function readConnectorOffsets(cluster: Cluster, store: SourceOffsetStore, name: string, kind: 'source' | 'sink'): Promise<ConnectorOffsets> {
  if (kind === 'sink') {
    const committed = await cluster.fetchOffsets(sinkGroupId(name));
    return {
      offsets: committed
        .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
        .map((c) => ({ partition: { kafka_topic: c.topic, kafka_partition: c.partition }, offset: { kafka_offset: c.offset } })),
    };
  }
  await store.open();
  return {
    offsets: [...store.positionsOf(name)].map(([partition, position]) => ({
      partition: { 'source.partition': partition },
      offset: typeof position === 'object' && position !== null && !Array.isArray(position) ? position : { position },
    })),
  };
}
