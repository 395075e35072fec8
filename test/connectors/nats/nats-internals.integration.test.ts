/**
 * Pins what `connectors/nats/nats-internals.ts` takes from nats.js beyond its public types to the
 * nats.js version it was written against: an upgrade fails here first, not in production.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AckPolicy } from '@nats-io/jetstream';
import { expect, test } from 'vitest';
import { deliveryInfo } from '../../../connectors/nats/delivery-info.js';
import { rawCommandSender, replySubject } from '../../../connectors/nats/nats-internals.js';
import { describeWithNats, testConnection, testNatsServer } from './nats-test-helpers.js';

function version(pkg: string): string {
  return (JSON.parse(fs.readFileSync(path.join(process.cwd(), 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

describeWithNats('nats.js internals (nats-internals.ts), pinned to nats.js 3.3', () => {
  test('the versions they were written against', () => {
    expect(version('@nats-io/nats-core')).toMatch(/^3\.3\./);
    expect(version('@nats-io/jetstream')).toMatch(/^3\.3\./);
    expect(version('@nats-io/transport-node')).toMatch(/^3\.3\./);
  });

  test('rawCommandSender writes protocol frames that reach subscribers, PUB and HPUB', async () => {
    const server = await testNatsServer();
    const { nc } = await testConnection(server);
    const send = rawCommandSender(nc);
    expect(send).not.toBeNull();
    const got: { data: string; header?: string }[] = [];
    nc.subscribe('frames.>', { callback: (_e, m) => void got.push({ data: m.string(), header: m.headers?.get('X-Test') }) });
    await nc.flush();
    const headers = 'NATS/1.0\r\nX-Test: yes\r\n\r\n';
    send!(Buffer.from(`PUB frames.a 5\r\nhello\r\nHPUB frames.b ${headers.length} ${headers.length + 2}\r\n${headers}hi\r\n`));
    await nc.flush();
    expect(got).toEqual([{ data: 'hello', header: undefined }, { data: 'hi', header: 'yes' }]);
  });

  test('replySubject is the $JS.ACK subject msg.info parses, so deliveryInfo agrees with it', async () => {
    const server = await testNatsServer();
    const { jsm } = await testConnection(server);
    await jsm.streams.add({ name: 'PIN', subjects: ['pin.>'] });
    const js = jsm.jetstream();
    for (let i = 0; i < 3; i++) await js.publish('pin.x', `m${i}`);
    await jsm.consumers.add('PIN', { name: 'pin', ack_policy: AckPolicy.None });
    const consumer = await js.consumers.get('PIN', 'pin');
    const seen: { reply: string; streamSeq: number; deliverySeq: number; ms: number }[] = [];
    for await (const m of await consumer.fetch({ max_messages: 3, expires: 2000 })) {
      const reply = replySubject(m);
      expect(reply).toMatch(/^\$JS\.ACK\./);
      seen.push({ reply: reply!, streamSeq: m.info.streamSequence, deliverySeq: m.info.deliverySequence, ms: Math.floor(m.info.timestampNanos / 1e6) });
    }
    expect(seen).toHaveLength(3);
    for (const s of seen) expect(deliveryInfo(s.reply)).toEqual({ streamSeq: s.streamSeq, deliverySeq: s.deliverySeq, timestampMs: s.ms });
  });
});
