/**
 * Builds a foreign-key table join (Kafka's KIP-213, `KTable.join(other, foreignKeyExtractor,
 * joiner)`): each row of the left table joins the right row whose key its value names. The tables
 * need not be co-partitioned; the join runs on both sides' partitions, as Kafka's does:
 *
 * ```
 *  left table ──► fk-subscribe ──► <appId>-<name>-subscription-registration-repartition (keyed by foreign key)
 *                                     │ sized like the right table's topic
 *                                     ▼
 *  right table ─► fk-foreign-change ─► merge ◄── fk-subscription  [store <name>-subscription-store]
 *                                        │
 *                                        ▼
 *         <appId>-<name>-subscription-response-repartition (keyed by left key, to the left row's partition)
 *                                        │
 *                                        ▼
 *                  fk-response (left store, digest check) ──► table [store <name>] ──► result changes
 * ```
 * Internal topics and the subscription store are named as Kafka names them, in Sluice's pattern:
 * Kafka's `<appId>-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-<n>-topic`, `…-SUBSCRIPTION-RESPONSE-<n>-topic`
 * and `…-SUBSCRIPTION-STATE-STORE-<n>-changelog` are here `<appId>-<name>-subscription-registration-repartition`,
 * `<appId>-<name>-subscription-response-repartition` and `<appId>-<name>-subscription-store-changelog`.
 * The result is always materialized (store `<name>`, changelog `<appId>-<name>-changelog`), as Kafka
 * does whenever old values are needed downstream, so that the result table emits changes with old
 * values and only real changes.
 */
import { InvalidConfigError } from '../../core/index.js';
import { subscriptionResponseSerde, subscriptionSerde } from '../foreign-key-records.js';
import type { BuilderContext } from './builder-context.js';
import { KTable } from './k-table.js';
import {
  WrappedSerdeSpec,
  type FkForeignChangeNode,
  type FkResponseNode,
  type FkSubscribeNode,
  type FkSubscriptionNode,
  type MergeNode,
  type SerdeSpec,
  type SinkNode,
  type SourceNode,
  type StoreSpec,
  type TableNode,
  type TopologyNode,
} from './nodes.js';
import type { MaterializedOptions } from './options.js';

export interface ForeignKeyJoinSpec {
  readonly foreignKeyExtractor: (value: any, key: any) => any;
  readonly joiner: (value: any, foreignValue: any, key: any) => any;
  readonly leftJoin: boolean;
}

/** Adds a foreign-key join of `left` with `right` to the topology; returns the result table. */
export function foreignKeyJoin<K, R>(ctx: BuilderContext, left: KTable<any, any>, right: KTable<any, any>, spec: ForeignKeyJoinSpec, options: MaterializedOptions<K, R>): KTable<K, R> {
  if (typeof spec.foreignKeyExtractor !== 'function' || typeof spec.joiner !== 'function') {
    throw new InvalidConfigError('a foreign-key join needs a foreign-key extractor and a joiner: join(other, (value, key) => foreignKey, (value, otherValue) => result)', 'foreignKeyExtractor');
  }
  const l = left.materialized();
  const r = right.materialized();
  if (l.store.type !== 'kv' || r.store.type !== 'kv') throw new InvalidConfigError(`cannot join windowed table "${l.store.type !== 'kv' ? l.store.name : r.store.name}" on a foreign key; join key-value tables`);
  const name = options.name ?? ctx.nextName(spec.leftJoin ? 'fk-left-join' : 'fk-join');
  const foreignKeySerde = right.keySerde;
  const subscriptions = ctx.addStore({ name: `${name}-subscription-store`, type: 'subscription', keySerde: foreignKeySerde, primaryKeySerde: left.keySerde, marks: false });

  // Left side: subscriptions to the right side's partitions, sized like the right table's topic.
  const subscribe = ctx.add<FkSubscribeNode>({ kind: 'fk-subscribe', left: l.store, foreignKeyExtractor: spec.foreignKeyExtractor, foreignKeySerde, leftJoin: spec.leftJoin }, [l.writer]);
  const registration = through(ctx, subscribe, `${name}-subscription-registration`, r.store, foreignKeySerde, new WrappedSerdeSpec(left.keySerde, 'key', subscriptionSerde), undefined);

  // Right side: subscriptions stored and answered; right changes answer every subscriber.
  const answers = ctx.add<FkSubscriptionNode>({ kind: 'fk-subscription', subscriptions, right: r.store, rightWriter: r.writer }, [registration]);
  const changes = ctx.add<FkForeignChangeNode>({ kind: 'fk-foreign-change', subscriptions }, [r.writer]);
  const merged = ctx.add<MergeNode>({ kind: 'merge', name: `${name}-responses` }, [answers, changes]);
  // Back to the left row's partition, which the subscription named (the left topic's partitioner may not be ours).
  const responses = through(ctx, merged, `${name}-subscription-response`, l.store, left.keySerde, new WrappedSerdeSpec(r.store.valueSerde, 'value', subscriptionResponseSerde), (_key, value) => (value as { primaryPartition: number }).primaryPartition);

  // Left side: joined with the current left row, then materialized as the result table.
  const joined = ctx.add<FkResponseNode>({ kind: 'fk-response', left: l.store, leftWriter: l.writer, joiner: spec.joiner, leftJoin: spec.leftJoin }, [responses]);
  const store = ctx.addStore({ name, type: 'kv', keySerde: options.keySerde ?? left.keySerde, valueSerde: options.valueSerde, marks: false });
  const table = ctx.add<TableNode>({ kind: 'table', name: `${name}-table`, store }, [joined]);
  return new KTable<K, R>(ctx, table, store, { keySerde: store.keySerde, valueSerde: options.valueSerde });
}

/** Sends `from`'s records through the repartition topic `<appId>-<name>-repartition`; returns its source. */
function through(
  ctx: BuilderContext,
  from: TopologyNode,
  name: string,
  copartitionWith: StoreSpec,
  keySerde: SerdeSpec | undefined,
  valueSerde: SerdeSpec,
  partitioner: SinkNode['partitioner'],
): SourceNode {
  ctx.addRepartition(name);
  ctx.add<SinkNode>({ kind: 'sink', name: `${name}-sink`, topic: name, keySerde, valueSerde, partitioner, repartition: { name, copartitionWith } }, [from]);
  return ctx.add<SourceNode>({ kind: 'source', name: `${name}-source`, topics: [name], pattern: null, keySerde, valueSerde, internal: true }, []);
}
