import fs from 'node:fs';
import path from 'node:path';
import type { JetStreamManager } from '@nats-io/jetstream';
import { expect, it } from 'vitest';
import { cliSession, REPO_ROOT } from '../cli/cli-helpers.js';
import { startBrokerProcess } from '../core/server/broker-process.js';
import { describeWithNats, testConnection, testNatsServer } from '../connectors/nats/nats-test-helpers.js';

interface RawOrder {
  id: number;
  amount_cents: number;
  currency: string;
  test: boolean;
}

const REGIONS = ['eu', 'us', 'apac'];

/** Every message stored in `stream`: subject and JSON payload, in order. */
async function storedMessages(jsm: JetStreamManager, stream: string): Promise<{ subject: string; value: unknown }[]> {
  const total = (await jsm.streams.info(stream)).state.messages;
  const consumer = await jsm.jetstream().consumers.get(stream);
  const out: { subject: string; value: unknown }[] = [];
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: total - out.length, expires: 2000 });
    for await (const m of batch) out.push({ subject: m.subject, value: m.json() });
  }
  return out;
}

describeWithNats('examples/nats-bridge', () => {
  it.for(['embedded', 'broker'] as const)('bridges ORDERS → topic → clean → ORDERS_CLEAN: every non-test order once, transformed, under its region (%s engine, as its pipeline.yaml documents)', async (engine, { onTestFinished }) => {
    const server = await testNatsServer();
    const { jsm } = await testConnection(server);
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    await jsm.streams.add({ name: 'ORDERS_CLEAN', subjects: ['clean.orders.>'] });
    const js = jsm.jetstream();
    const sent: { region: string; order: RawOrder }[] = [];
    for (let i = 0; i < 300; i++) {
      const order: RawOrder = { id: i, amount_cents: 100 + ((i * 37) % 9000), currency: i % 2 === 0 ? 'EUR' : 'USD', test: i % 10 === 0 };
      const region = REGIONS[i % REGIONS.length]!;
      sent.push({ region, order });
      await js.publish(`orders.${region}`, JSON.stringify(order));
    }

    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir('sluice-bridge-');
    fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'nats-bridge', 'pipeline.yaml'), path.join(dir, 'pipeline.yaml'));
    // pipeline.yaml's header: `sluice -b HOST:PORT run …` puts the same file on a broker.
    const engineArgs = engine === 'broker' ? ['-b', (await startBrokerProcess(onTestFinished)).bootstrap] : [];
    const result = await cli.run([...engineArgs, 'run', '--until-idle', '--idle-ms', '300', path.join(dir, 'pipeline.yaml')], { env: { NATS_URL: server.url } });
    // Nothing on stderr but, on a loaded machine, a source poll that timed out and was retried
    // (the records still arrive exactly as expected below).
    expect(result.stderr.split('\n').filter((l) => l !== '' && !/ WARN  source orders-from-jetstream: poll failed, retrying/.test(l))).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('pipeline nats-bridge: 300 records in');

    const expected = sent
      .filter((s) => !s.order.test)
      .map((s) => ({ subject: `clean.orders.${s.region}`, value: { id: s.order.id, region: s.region, amount: s.order.amount_cents / 100, currency: s.order.currency } }));
    const stored = await storedMessages(jsm, 'ORDERS_CLEAN');
    const byId = (a: { value: unknown }, b: { value: unknown }): number => (a.value as { id: number }).id - (b.value as { id: number }).id;
    expect(stored.length).toBe(expected.length);
    expect([...stored].sort(byId)).toEqual(expected.sort(byId));
  });
});
