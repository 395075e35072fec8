/**
 * A described topology, split into sub-topologies: groups of nodes connected by edges, cut at
 * repartition topics. Each sub-topology runs as one task per partition of its source topics; a
 * task's nodes, stores and changelog partitions all have the task's partition number.
 */
import { InvalidConfigError } from '../../core/index.js';
import type { GlobalStoreSpec, SinkNode, SourceNode, StoreSpec, TopologyNode } from './nodes.js';
import { storesOf } from './nodes.js';

export interface Subtopology {
  readonly id: number;
  /** In creation order, which is a topological order (parents are created before children). */
  readonly nodes: readonly TopologyNode[];
  readonly sources: readonly SourceNode[];
  readonly sinks: readonly SinkNode[];
  readonly stores: readonly StoreSpec[];
}

export class Topology {
  readonly nodes: readonly TopologyNode[];
  readonly stores: ReadonlyMap<string, StoreSpec>;
  readonly subtopologies: readonly Subtopology[];
  /** Global tables: read whole by every instance before processing starts (no tasks of their own). */
  readonly globalStores: ReadonlyMap<string, GlobalStoreSpec>;

  constructor(nodes: readonly TopologyNode[], stores: ReadonlyMap<string, StoreSpec>, globalStores: ReadonlyMap<string, GlobalStoreSpec> = new Map()) {
    this.nodes = nodes;
    this.stores = stores;
    this.globalStores = globalStores;
    this.subtopologies = split(nodes);
    if (this.subtopologies.length === 0) throw new InvalidConfigError('the topology is empty: add a stream() or table()');
  }

  /** The sub-topology that owns a store. */
  subtopologyOfStore(name: string): Subtopology | undefined {
    return this.subtopologies.find((s) => s.stores.some((st) => st.name === name));
  }

  /** A readable outline, in the manner of Kafka Streams' `Topology#describe()`. */
  describe(): string {
    const lines: string[] = [];
    for (const sub of this.subtopologies) {
      lines.push(`Sub-topology ${sub.id}`);
      for (const node of sub.nodes) {
        const from = node.parents.length ? ` <- ${node.parents.map((p) => p.name).join(', ')}` : '';
        let what: string = node.kind;
        if (node.kind === 'source') what = `source (${node.pattern ? node.pattern.toString() : node.topics.join(', ')}${node.internal ? ', repartition' : ''})`;
        else if (node.kind === 'sink') what = `sink (${node.topic}${node.repartition ? ', repartition' : ''})`;
        else if (node.kind === 'pipe') what = `pipe (${node.ops.length} operator${node.ops.length === 1 ? '' : 's'})`;
        const stores = node.kind === 'join' ? [node.table] : storesOf(node);
        lines.push(`  ${node.name}: ${what}${stores.length > 0 ? ` [store ${stores.map((s) => s.name).join(', ')}]` : ''}${from}`);
      }
    }
    return lines.join('\n');
  }
}

function split(nodes: readonly TopologyNode[]): Subtopology[] {
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  // Nodes that share a store (processors connected to it, its writer) run in one task.
  const storeUser = new Map<string, number>();
  for (const node of nodes) {
    for (const p of node.parents) union(node.id, p.id);
    if (node.kind === 'join') union(node.id, node.tableWriter.id);
    // Foreign-key joins look tables up where their writers run.
    if (node.kind === 'fk-subscription') union(node.id, node.rightWriter.id);
    if (node.kind === 'fk-response') union(node.id, node.leftWriter.id);
    for (const store of storesOf(node)) {
      const other = storeUser.get(store.name);
      if (other === undefined) storeUser.set(store.name, node.id);
      else union(node.id, other);
    }
  }
  const groups = new Map<number, TopologyNode[]>();
  for (const node of nodes) {
    const root = find(node.id);
    const group = groups.get(root) ?? [];
    group.push(node);
    groups.set(root, group);
  }
  return [...groups.values()].map((group, id) => ({
    id,
    nodes: group,
    sources: group.filter((n): n is SourceNode => n.kind === 'source'),
    sinks: group.filter((n): n is SinkNode => n.kind === 'sink'),
    stores: [...new Set(group.flatMap(storesOf))],
  }));
}
