/**
 * An output topic of a `TopologyTestDriver`: reads what the topology wrote to a topic, in order,
 * deserialized with the given serdes (default: the driver's). Each read consumes records.
 */
import type { RecordHeader, Serde } from '../../core/index.js';
import type { KeyValue } from '../record.js';
import type { TopologyTestDriver } from './topology-test-driver.js';

export interface TestOutputTopicOptions<K, V> {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
}

export interface TestOutputRecord<K, V> {
  key: K;
  value: V;
  timestamp: number;
  headers: RecordHeader[];
}

export class TestOutputTopic<K, V> {
  readonly topic: string;
  readonly #driver: TopologyTestDriver;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  #position = 0;

  constructor(driver: TopologyTestDriver, topic: string, options: TestOutputTopicOptions<K, V>) {
    this.#driver = driver;
    this.topic = topic;
    this.#keySerde = options.keySerde ?? driver.defaultKeySerde;
    this.#valueSerde = options.valueSerde ?? driver.defaultValueSerde;
  }

  /** Records written and not read yet. */
  get queueSize(): number {
    return this.#driver.records(this.topic).length - this.#position;
  }

  isEmpty(): boolean {
    return this.queueSize === 0;
  }

  /** @throws Error when nothing is left to read. */
  readRecord(): TestOutputRecord<K, V> {
    const log = this.#driver.records(this.topic);
    if (this.#position >= log.length) throw new Error(`output topic "${this.topic}" has no more records (read ${this.#position})`);
    const r = log[this.#position++];
    return { key: this.#keySerde.deserialize(r.key), value: this.#valueSerde.deserialize(r.value), timestamp: r.timestamp, headers: r.headers };
  }

  readKeyValue(): KeyValue<K, V> {
    const { key, value } = this.readRecord();
    return { key, value };
  }

  readValue(): V {
    return this.readRecord().value;
  }

  readRecordsToList(): TestOutputRecord<K, V>[] {
    const out: TestOutputRecord<K, V>[] = [];
    while (!this.isEmpty()) out.push(this.readRecord());
    return out;
  }

  readKeyValuesToList(): KeyValue<K, V>[] {
    return this.readRecordsToList().map(({ key, value }) => ({ key, value }));
  }

  readValuesToList(): V[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** The latest value per key (a table's view of the topic); null values remove the key. */
  readKeyValuesToMap(): Map<K, V> {
    const out = new Map<K, V>();
    for (const { key, value } of this.readRecordsToList()) {
      if (value === null) out.delete(key);
      else out.set(key, value);
    }
    return out;
  }
}
