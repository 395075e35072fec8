/**
 * Interactive queries: read-only views of a store across the tasks of this instance. A key is
 * looked up in the task of its partition (murmur2 of the serialized key, as the records were
 * partitioned); a key whose partition is not hosted here reads as `undefined`.
 */
import { partitionForKey } from '../../core/index.js';
import type { TimeWindow, Windowed } from '../record.js';
import { KeyValueStore, type ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import { SessionStore, type ReadOnlySessionStore } from '../state/session-store.js';
import { WindowStore, type ReadOnlyWindowStore } from '../state/window-store.js';
import type { TaskStore } from '../processor/task-processor.js';

/** The store `name` of every local task, by partition, and the number of partitions. */
export interface StoreLocator {
  instances(): Map<number, TaskStore>;
  partitions(): number;
}

function keyBytes(serialized: Uint8Array | string | null): Uint8Array {
  if (serialized === null) return new Uint8Array(0);
  return typeof serialized === 'string' ? Buffer.from(serialized, 'utf8') : serialized;
}

function locate<S>(locator: StoreLocator, key: unknown, is: (s: TaskStore) => s is TaskStore & S): S | undefined {
  const instances = locator.instances();
  const first = instances.values().next().value;
  if (first === undefined) return undefined;
  const p = partitionForKey(keyBytes(first.keySerde.serialize(key)), locator.partitions());
  const s = instances.get(p);
  return s !== undefined && is(s) ? s : undefined;
}

const isKv = (s: TaskStore): s is KeyValueStore<unknown, unknown> => s instanceof KeyValueStore;
const isWindow = (s: TaskStore): s is WindowStore<unknown, unknown> => s instanceof WindowStore;
const isSession = (s: TaskStore): s is SessionStore<unknown, unknown> => s instanceof SessionStore;

export function keyValueView<K, V>(locator: StoreLocator): ReadOnlyKeyValueStore<K, V> {
  return {
    get: (key) => locate(locator, key, isKv)?.get(key) as V | undefined,
    *all() {
      for (const s of locator.instances().values()) if (isKv(s)) yield* s.all() as IterableIterator<[K, V]>;
    },
    get size() {
      let n = 0;
      for (const s of locator.instances().values()) n += s.size;
      return n;
    },
  };
}

export function windowView<K, V>(locator: StoreLocator): ReadOnlyWindowStore<K, V> {
  return {
    fetch: (key, windowStart) => locate(locator, key, isWindow)?.fetch(key, windowStart) as V | undefined,
    fetchRange: (key, from, to) => (locate(locator, key, isWindow)?.fetchRange(key, from, to) ?? []) as { window: TimeWindow; value: V }[],
    *all() {
      for (const s of locator.instances().values()) if (isWindow(s)) yield* s.all() as IterableIterator<[Windowed<K>, V]>;
    },
    get size() {
      let n = 0;
      for (const s of locator.instances().values()) n += s.size;
      return n;
    },
  };
}

export function sessionView<K, V>(locator: StoreLocator): ReadOnlySessionStore<K, V> {
  return {
    fetch: (key) => (locate(locator, key, isSession)?.fetch(key) ?? []) as { window: TimeWindow; value: V }[],
    *all() {
      for (const s of locator.instances().values()) if (isSession(s)) yield* s.all() as IterableIterator<[Windowed<K>, V]>;
    },
    get size() {
      let n = 0;
      for (const s of locator.instances().values()) n += s.size;
      return n;
    },
  };
}
