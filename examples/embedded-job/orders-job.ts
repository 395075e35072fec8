/**
 * An embedded ETL job with the streams API: JSON-lines orders from a folder are produced into an
 * embedded cluster (keyed by customer), then a Sluice Streams topology keeps paid orders, adds
 * their total, and aggregates revenue per customer into a queryable store (changelogged) and the
 * `customer-revenue` topic.
 *
 *   orders (4 partitions, key customer_id)
 *     → filter status = paid → map { total = price × quantity }
 *     → groupByKey → aggregate { orders, items, revenue }   (store "revenue-by-customer")
 *     → customer-revenue
 */
import fs from 'node:fs';
import path from 'node:path';
import { createProducer, jsonSerde, openCluster, stringSerde } from '../../core/index.js';
import { createStreamsApp, filter, map, StreamsBuilder, type StreamRecord, type Topology } from '../../streams/index.js';

export const ORDERS = 'orders';
export const CUSTOMER_REVENUE = 'customer-revenue';
export const STORE = 'revenue-by-customer';

export interface Order {
  id: string;
  customer_id: string;
  status: string;
  price: number;
  quantity: number;
  created_at: string;
}

export interface CustomerRevenue {
  orders: number;
  items: number;
  revenue: number;
}

/** The job's topology. */
export function ordersTopology(): Topology {
  const builder = new StreamsBuilder();
  builder
    .stream(ORDERS, { keySerde: stringSerde, valueSerde: jsonSerde<Order>() })
    .pipe(
      filter((r): r is StreamRecord<string | null, Order> => r.value !== null && r.value.status === 'paid'),
      map((r) => ({ ...r, value: { ...r.value, total: r.value.price * r.value.quantity } })),
    )
    .groupByKey()
    .aggregate<CustomerRevenue>(
      () => ({ orders: 0, items: 0, revenue: 0 }),
      (sum, order) => ({ orders: sum.orders + 1, items: sum.items + order.quantity, revenue: sum.revenue + order.total }),
      { name: STORE },
    )
    .toStream()
    .to(CUSTOMER_REVENUE, { keySerde: stringSerde, valueSerde: jsonSerde<CustomerRevenue>() });
  return builder.build();
}

/** Every order in the `orders-*.jsonl` files of `inputDir`, in file order. */
export function readOrders(inputDir: string): Order[] {
  return fs
    .readdirSync(inputDir)
    .filter((f) => /^orders-.*\.jsonl$/.test(f))
    .sort()
    .flatMap((f) => fs.readFileSync(path.join(inputDir, f), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Order));
}

export interface OrdersJobResult {
  /** customer id → final totals, from the store (an interactive query). */
  totals: Map<string, CustomerRevenue>;
  recordsIn: number;
  durationMs: number;
}

/**
 * Runs the job over the orders in `inputDir` on an in-memory cluster (or `dataDir`, or the
 * `bootstrapServers` of a `sluice broker` / Kafka-compatible cluster — the only line that changes):
 * produces them, runs the topology until it has caught up, reads the store, stops.
 */
export async function runOrdersJob(options: { inputDir: string; dataDir?: string; bootstrapServers?: string[] }): Promise<OrdersJobResult> {
  const started = performance.now();
  const cluster = options.bootstrapServers ? await openCluster({ bootstrapServers: options.bootstrapServers }) : await openCluster({ dataDir: options.dataDir, maintenanceIntervalMs: 0 });
  try {
    for (const topic of [ORDERS, CUSTOMER_REVENUE]) {
      if (!(await cluster.describeTopic(topic).then(() => true, () => false))) await cluster.createTopic(topic, { partitions: 4 });
    }
    const orders = readOrders(options.inputDir);
    const producer = createProducer<string, Order>(cluster, { keySerde: stringSerde as never, valueSerde: jsonSerde<Order>() as never });
    for (let i = 0; i < orders.length; i += 500) {
      await producer.send(orders.slice(i, i + 500).map((o) => ({ topic: ORDERS, key: o.customer_id, value: o, timestamp: Date.parse(o.created_at) })));
    }
    await producer.close();

    const app = createStreamsApp(ordersTopology(), { applicationId: 'embedded-orders', cluster, commitIntervalMs: 100 });
    try {
      await app.start();
      // Caught up: every order read, and nothing left in the input.
      while (app.metrics().recordsIn < orders.length || (await app.lag()) > 0) await new Promise((r) => setTimeout(r, 20));
      const totals = new Map<string, CustomerRevenue>();
      for (const [customer, total] of app.store<string, CustomerRevenue>(STORE).all()) totals.set(customer, total);
      return { totals, recordsIn: orders.length, durationMs: performance.now() - started };
    } finally {
      await app.close();
    }
  } finally {
    await cluster.close();
  }
}
