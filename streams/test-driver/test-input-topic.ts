/**
 * An input topic of a `TopologyTestDriver`: serializes what is piped in with the topic's serdes
 * (default: the driver's) and hands it to the topology, one batch per call.
 */
import type { HeadersInput, Serde } from '../../core/index.js';
import { serialize } from '../processor/sink.js';
import type { TestRecord, TopologyTestDriver } from './topology-test-driver.js';
import { toHeaderList } from './topology-test-driver.js';

export interface TestInputTopicOptions<K, V> {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  /** The topic's own clock starts here; without it, records default to the driver's wall-clock time. */
  startTimestamp?: number;
  /** Advance the topic's clock by this much after each record. */
  autoAdvanceMs?: number;
}

export interface TestRecordInput<K, V> {
  key?: K;
  value: V;
  timestamp?: number;
  headers?: HeadersInput;
}

export class TestInputTopic<K, V> {
  readonly topic: string;
  readonly #driver: TopologyTestDriver;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  #time: number | null;
  readonly #autoAdvanceMs: number;

  constructor(driver: TopologyTestDriver, topic: string, options: TestInputTopicOptions<K, V>) {
    this.#driver = driver;
    this.topic = topic;
    this.#keySerde = options.keySerde ?? driver.defaultKeySerde;
    this.#valueSerde = options.valueSerde ?? driver.defaultValueSerde;
    this.#time = options.startTimestamp ?? null;
    this.#autoAdvanceMs = options.autoAdvanceMs ?? 0;
  }

  /** Pipes one record (one batch); resolves when it and everything it caused were processed. */
  pipeInput(key: K, value: V, timestamp?: number): Promise<void> {
    return this.pipeRecords([{ key, value, timestamp }]);
  }

  /** Pipes a keyless record. */
  pipeValue(value: V, timestamp?: number): Promise<void> {
    return this.pipeRecords([{ value, timestamp }]);
  }

  /** Pipes records as one batch. */
  pipeRecords(records: readonly TestRecordInput<K, V>[]): Promise<void> {
    const out: TestRecord[] = records.map((r) => ({
      key: toBytes(r.key === undefined ? null : serialize(this.#keySerde, r.key, `key piped into "${this.topic}"`)),
      value: toBytes(serialize(this.#valueSerde, r.value, `value piped into "${this.topic}"`)),
      headers: toHeaderList(r.headers),
      timestamp: r.timestamp ?? this.#nextTimestamp(),
    }));
    return this.#driver.pipe(this.topic, out);
  }

  /** Moves the topic's clock forward (starting it at the driver's wall-clock time if it had none). */
  advanceTime(ms: number): void {
    this.#time = (this.#time ?? this.#driver.wallClockTime) + ms;
  }

  #nextTimestamp(): number {
    if (this.#time === null) return this.#driver.wallClockTime;
    const t = this.#time;
    this.#time += this.#autoAdvanceMs;
    return t;
  }
}

function toBytes(b: Uint8Array | string | null): Buffer | null {
  if (b === null) return null;
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
