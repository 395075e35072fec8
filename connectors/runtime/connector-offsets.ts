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
 *
 * Altering (`PATCH`, given entries; a null offset forgets a source partition) and resetting
 * (`DELETE`, everything) are for stopped connectors only (KIP-875): a source's positions are written
 * to `__connect_offsets` (tombstones to forget), a sink's offsets committed from outside its group,
 * or the group deleted. A source whose positions are forgotten reads its inputs from the start.
 */
import { GroupIdNotFoundError, SluiceError, type Cluster } from '../../core/index.js';
import type { JsonValue } from '../connector.js';
import type { SourceOffsetStore } from './source-offset-store.js';

export interface ConnectorOffset {
  partition: Record<string, JsonValue>;
  offset: Record<string, JsonValue> | null;
}

export interface ConnectorOffsets {
  offsets: ConnectorOffset[];
}

/** Offsets that cannot be applied (a bad entry, a connector not stopped); names the connector and entry. */
export class ConnectorOffsetsError extends SluiceError {
  constructor(message: string) {
    super('INVALID_CONNECTOR_OFFSETS', message);
  }
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

const isObject = (v: unknown): v is Record<string, JsonValue> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Applies `offsets` (as `GET …/offsets` shows them) to stopped connector `name`.
 * @throws ConnectorOffsetsError naming the first bad entry; nothing is written then.
 */
export async function alterConnectorOffsets(cluster: Cluster, store: SourceOffsetStore, name: string, kind: 'source' | 'sink', offsets: unknown): Promise<void> {
  if (!Array.isArray(offsets) || offsets.length === 0) throw new ConnectorOffsetsError('give the partitions and offsets to change: {"offsets": [{"partition": {…}, "offset": {…}}, …]}');
  if (kind === 'sink') {
    const entries = offsets.map((e: unknown, i) => {
      const { partition: p, offset: o } = (isObject(e) ? e : {}) as { partition?: unknown; offset?: unknown };
      const topic = isObject(p) ? p.kafka_topic : undefined;
      const partition = isObject(p) ? p.kafka_partition : undefined;
      if (typeof topic !== 'string' || !Number.isSafeInteger(partition) || (partition as number) < 0) throw new ConnectorOffsetsError(`offsets[${i}].partition must be {"kafka_topic": "<topic>", "kafka_partition": <n>}`);
      if (o === null) throw new ConnectorOffsetsError(`offsets[${i}].offset: a sink's offset cannot be forgotten one partition at a time (DELETE …/offsets resets them all)`);
      const offset = isObject(o) ? o.kafka_offset : undefined;
      if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new ConnectorOffsetsError(`offsets[${i}].offset must be {"kafka_offset": <n ≥ 0>}`);
      return { topic, partition: partition as number, offset: offset as number };
    });
    await cluster.commitOffsets({ groupId: sinkGroupId(name), generationId: -1, memberId: '', offsets: entries });
    return;
  }
  const positions = new Map<string, JsonValue | null>();
  offsets.forEach((e: unknown, i) => {
    const { partition: p, offset: o } = (isObject(e) ? e : {}) as { partition?: unknown; offset?: unknown };
    const id = isObject(p) ? p['source.partition'] : undefined;
    if (typeof id !== 'string') throw new ConnectorOffsetsError(`offsets[${i}].partition must be {"source.partition": "<id>"} as GET …/offsets shows it`);
    if (o !== null && !isObject(o)) throw new ConnectorOffsetsError(`offsets[${i}].offset must be an object (the stored position) or null (forget it)`);
    positions.set(id, o);
  });
  await store.open();
  await store.write(name, positions);
}

/** Forgets every stored position (source) or committed offset (sink) of stopped connector `name`. */
export async function resetConnectorOffsets(cluster: Cluster, store: SourceOffsetStore, name: string, kind: 'source' | 'sink'): Promise<void> {
  if (kind === 'sink') {
    try {
      await cluster.deleteGroups([sinkGroupId(name)]);
    } catch (error) {
      if (!(error instanceof GroupIdNotFoundError)) throw error;
    }
    return;
  }
  await store.open();
  await store.write(name, new Map([...store.positionsOf(name).keys()].map((k) => [k, null])));
}
