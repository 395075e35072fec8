/**
 * Requests to one broker gathered over a turn, then sent together: the `Cluster` seam asks for one
 * partition per call, while Kafka's client sends one Produce or Fetch per node with every partition
 * it has for it. Calls made in the same turn are queued per connection and handed to `send` once
 * the turn's promise callbacks have run (`process.nextTick` queued from them runs after the
 * microtask queue drains), each call answered with its own part of the response.
 */
import type { Message } from '../protocol/kafka/index.js';
import { partitionKey } from '../topic-partition-key.js';
import type { BrokerConnection } from './broker-connection.js';

/** One queued partition request and how to answer it. */
export interface Queued<T> {
  item: T;
  resolve: (partitionResponse: Message) => void;
  reject: (error: Error) => void;
}

export class TurnQueue<T> {
  readonly #queued = new Map<BrokerConnection, Queued<T>[]>();
  readonly #flush: (connection: BrokerConnection, queued: Queued<T>[]) => void;

  /** @param flush sends a turn's queue for one connection; every entry must be answered. */
  constructor(flush: (connection: BrokerConnection, queued: Queued<T>[]) => void) {
    this.#flush = flush;
  }

  /** Queues `item` for `connection`'s request of this turn; resolves with its partition response. */
  add(connection: BrokerConnection, item: T): Promise<Message> {
    return new Promise((resolve, reject) => {
      let queue = this.#queued.get(connection);
      if (queue === undefined) {
        queue = [];
        this.#queued.set(connection, queue);
        process.nextTick(() => {
          this.#queued.delete(connection);
          this.#flush(connection, queue!);
        });
      }
      queue.push({ item, resolve, reject });
    });
  }
}

/** Kafka's UNKNOWN_SERVER_ERROR (-1): for a partition the broker left out of its answer. */
export const UNKNOWN_SERVER_ERROR = -1;

/** Answers each queued partition from its part of a response (`answers`, by `partitionKey`), else with `missing`. */
export function answerEach<T extends { topic: string; partition: number }>(queued: Queued<T>[], answers: Map<string, Message>, missing: (item: T) => Message): void {
  for (const q of queued) q.resolve(answers.get(partitionKey(q.item.topic, q.item.partition)) ?? missing(q.item));
}
