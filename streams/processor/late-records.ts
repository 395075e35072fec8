/**
 * Late records of a windowed aggregation: counted, reported to the observer (diagnostics channel
 * `sluice:streams:late`), and — when the aggregation names a `lateRecordsTopic` — written there with
 * the grouped serdes before the batch completes.
 */
import { recordBytes } from '../../core/index.js';
import type { AnyRecord, AnySerde } from '../topology/nodes.js';
import { serialize } from './sink.js';
import type { OutputRecord, TaskEnvironment } from './task-environment.js';

export class LateRecords {
  readonly #env: TaskEnvironment;
  readonly #store: string;
  readonly #topic: string | null;
  readonly #keySerde: AnySerde;
  readonly #valueSerde: AnySerde;
  #buffer: OutputRecord[] = [];

  constructor(env: TaskEnvironment, store: string, topic: string | null, keySerde: AnySerde, valueSerde: AnySerde) {
    this.#env = env;
    this.#store = store;
    this.#topic = topic;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
  }

  add(r: AnyRecord, streamTime: number): void {
    this.#env.observer?.late?.({
      taskId: this.#env.taskId,
      store: this.#store,
      topic: r.origin.topic,
      partition: r.origin.partition,
      offset: r.origin.offset,
      timestamp: r.timestamp,
      streamTime,
    });
    if (this.#topic === null) return;
    this.#buffer.push({
      topic: this.#topic,
      key: serialize(this.#keySerde, r.key, `key of a late record for topic "${this.#topic}"`),
      value: serialize(this.#valueSerde, r.value, `value of a late record for topic "${this.#topic}"`),
      headers: r.headers,
      timestamp: r.timestamp,
    });
  }

  /** Sends the buffered late records; resolves when acknowledged. */
  async flush(): Promise<void> {
    if (this.#topic === null || this.#buffer.length === 0) return;
    const records = this.#buffer;
    this.#buffer = [];
    await this.#env.collector.send(this.#topic, records);
    this.#env.observer?.recordsOut?.(this.#env.taskId, this.#topic, records.length, () => recordBytes(records));
  }
}
