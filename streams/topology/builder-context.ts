/**
 * What a `StreamsBuilder` and the streams and tables it hands out share while a topology is being
 * described: the nodes, the stores, and a counter for generated names.
 */
import { InvalidConfigError } from '../../core/index.js';
import type { GlobalStoreSpec, StoreSpec, TopologyNode } from './nodes.js';

type Without<N> = N extends unknown ? Omit<N, 'id' | 'parents' | 'children' | 'name'> & { name?: string } : never;
export type NewNode = Without<TopologyNode>;

export class BuilderContext {
  readonly nodes: TopologyNode[] = [];
  readonly stores = new Map<string, StoreSpec>();
  readonly repartitionNames = new Set<string>();
  readonly globalStores = new Map<string, GlobalStoreSpec>();
  #counter = 0;
  #built = false;

  /** A generated name, unique in this topology: `<prefix>-0001`. */
  nextName(prefix: string): string {
    return `${prefix}-${String(++this.#counter).padStart(4, '0')}`;
  }

  add<N extends TopologyNode>(node: Without<N>, parents: readonly TopologyNode[]): N {
    if (this.#built) throw new InvalidConfigError('the topology was already built; describe it completely before build()');
    const full = { ...node, id: this.nodes.length, name: node.name ?? this.nextName(node.kind), parents: [...parents], children: [] } as unknown as N;
    for (const parent of parents) parent.children.push(full);
    this.nodes.push(full);
    return full;
  }

  addStore(spec: StoreSpec): StoreSpec {
    if (this.stores.has(spec.name)) throw new InvalidConfigError(`state store "${spec.name}" is defined twice; give each aggregation or table its own name`, 'name');
    validateName(spec.name, 'store name');
    this.stores.set(spec.name, spec);
    return spec;
  }

  addGlobalStore(spec: GlobalStoreSpec): GlobalStoreSpec {
    if (this.stores.has(spec.name) || this.globalStores.has(spec.name)) throw new InvalidConfigError(`state store "${spec.name}" is defined twice; give each table its own name`, 'name');
    validateName(spec.name, 'store name');
    this.globalStores.set(spec.name, spec);
    return spec;
  }

  addRepartition(name: string): void {
    if (this.repartitionNames.has(name)) throw new InvalidConfigError(`repartition topic name "${name}" is used twice`, 'name');
    validateName(name, 'repartition name');
    this.repartitionNames.add(name);
  }

  seal(): void {
    this.#built = true;
  }
}

/** Store and repartition names become parts of topic names: the same characters are allowed. */
export function validateName(name: string, what: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new InvalidConfigError(`${what} "${name}" may only contain ASCII letters, digits, ".", "_" and "-"`, 'name');
}
