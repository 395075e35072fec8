/**
 * The NATS bridge example in one command: starts a throwaway nats-server with JetStream, creates
 * the streams ORDERS (`orders.>`) and ORDERS_CLEAN (`clean.orders.>`), publishes 1,000 orders to
 * ORDERS, runs the pipeline as a batch job (`sluice run --until-idle`), and prints what landed in
 * ORDERS_CLEAN.
 *
 *   npx tsx examples/nats-bridge/demo.ts
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freshWorkDir, runPipelineFile, withNatsServer } from '../support/nats-demo.js';

const ORDERS = 1000;
const REGIONS = ['eu', 'us', 'apac'];

await withNatsServer(async (server) => {
  freshWorkDir('nats-bridge');
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    await jsm.streams.add({ name: 'ORDERS_CLEAN', subjects: ['clean.orders.>'] });
    const js = jsm.jetstream();
    const acks = [];
    for (let i = 0; i < ORDERS; i++) {
      const order = { id: i, amount_cents: 100 + ((i * 37) % 9000), currency: i % 2 === 0 ? 'EUR' : 'USD', test: i % 10 === 0 };
      acks.push(js.publish(`orders.${REGIONS[i % REGIONS.length]}`, JSON.stringify(order)));
    }
    await Promise.all(acks);
    console.log(`published ${ORDERS} orders to stream ORDERS (every 10th a test order, which the pipeline drops)`);

    runPipelineFile('nats-bridge', { NATS_URL: server.url });

    const clean = await jsm.streams.info('ORDERS_CLEAN');
    console.log(`stream ORDERS_CLEAN holds ${clean.state.messages} messages; the first three:`);
    for (let seq = 1; seq <= Math.min(3, clean.state.messages); seq++) {
      const m = await jsm.streams.getMessage('ORDERS_CLEAN', { seq });
      console.log(`  ${m!.subject} ${m!.string()}`);
    }
  } finally {
    await nc.close();
  }
});
