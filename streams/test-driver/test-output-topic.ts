/**
 * An output topic of a `TopologyTestDriver`: reads what the topology wrote to a topic, in order,
 * deserialized with the given serdes (default: the driver's). Each read consumes records; as in
 * Kafka's driver, every reader of one topic reads from the same queue (what one read, another
 * does not see again).
 */
import { InvalidRecordError, type RecordHeader, type Serde } from '../../core/index.js';
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

  constructor(driver: TopologyTestDriver, topic: string, options: TestOutputTopicOptions<K, V>) {
    this.#driver = driver;
    this.topic = topic;
    this.#keySerde = options.keySerde ?? driver.defaultKeySerde;
    this.#valueSerde = options.valueSerde ?? driver.defaultValueSerde;
  }

  /** Records written and not read yet. */
  get queueSize(): number {
    return this.#driver.records(this.topic).length - this.#driver.readPosition(this.topic);
  }

  isEmpty(): boolean {
    return this.queueSize === 0;
  }

  /** @throws Error when nothing is left to read. */
  readRecord(): TestOutputRecord<K, V> {
    const log = this.#driver.records(this.topic);
    const position = this.#driver.readPosition(this.topic);
    if (position >= log.length) throw new Error(`output topic "${this.topic}" has no more records (read ${position})`);
    const r = log[position];
    this.#driver.advanceReadPosition(this.topic);
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

  /**
   * The latest value per key, as Kafka's `readKeyValuesToMap`: a null value is kept as the key's
   * value (a delete, seen as such). Records are consumed up to the first with a null key.
   * @throws InvalidRecordError on a record with a null key (a map cannot hold it), naming its offset.
   */
  readKeyValuesToMap(): Map<NonNullable<K>, V> {
    const out = new Map<NonNullable<K>, V>();
    while (!this.isEmpty()) {
      const offset = this.#driver.readPosition(this.topic);
      const { key, value } = this.readRecord();
      if (key === null || key === undefined) throw new InvalidRecordError(`output topic "${this.topic}": the record at offset ${offset} has a null key; readKeyValuesToMap needs keys (use readKeyValuesToList)`);
      out.set(key, value);
    }
    return out;
  }
}
