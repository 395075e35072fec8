/**
 * What the NATS connectors tell the user when something is lost or refused (issue 22, points 2
 * and 5), against a real nats-server: buffer overflow counted per source with its reason,
 * reconnects logged with the outage's length, refused credentials naming the connector at once.
 */
import { expect, test } from 'vitest';
import { NatsAuthorizationError } from '../../../connectors/errors.js';
import type { ConnectorDroppedEvent, ConnectorWarningEvent } from '../../../connectors/runtime/connector-status.js';
import { DROPPED_CHANNEL } from '../../../connectors/nats/nats-source.js';
import { describeWithNats, eventually, listen, testConnection, testNatsServer, testRuntime } from './nats-test-helpers.js';
import { readTopic } from '../helpers.js';

describeWithNats('NATS connectors: losses and failures are reported', () => {
  test('nats-source: a full buffer drops messages, counted per source with the reason; topic + dropped = published', { timeout: 60_000 }, async () => {
    const server = await testNatsServer();
    const { nc } = await testConnection(server);
    const { cluster, runtime } = await testRuntime();
    const dropped = listen<ConnectorDroppedEvent>('sluice:connector:dropped');
    const natsDropped = listen<{ connector: string; dropped: number; reason: string }>(DROPPED_CHANNEL);
    await runtime.start({
      name: 'burst-in',
      connector: 'nats-source',
      topic: 'burst',
      'nats.servers': server.url,
      'nats.subject': 'burst.>',
      'nats.buffer.max.messages': 50,
      'nats.poll.max.messages': 10,
    });
    await runtime.whenIdle({ settleMs: 100 });
    runtime.pause('burst-in'); // the log stops taking records: the buffer fills
    await eventually('paused', () => runtime.status('burst-in').state === 'paused');
    for (let i = 0; i < 500; i++) nc.publish(`burst.${i}`, String(i));
    await nc.flush();
    await eventually('the drops', () => runtime.status('burst-in').recordsDropped >= 440, 30_000);
    runtime.resume('burst-in');
    // Records, not offsets: the source writes in transactions, whose markers take offsets too.
    await eventually('the buffer written', async () => (await readTopic(cluster, 'burst')).length + runtime.status('burst-in').recordsDropped === 500, 30_000);

    const status = runtime.status('burst-in');
    expect(status.recordsDropped).toBeGreaterThanOrEqual(440); // ≤ 10 in a poll under way, 50 buffered
    expect(dropped.reduce((n, e) => n + e.count, 0)).toBe(status.recordsDropped);
    expect(dropped.at(-1)).toMatchObject({ name: 'burst-in', connector: 'nats-source', kind: 'source', total: status.recordsDropped });
    expect(dropped.at(-1)!.reason).toContain('nats.buffer.max.messages: 50');
    expect(natsDropped.at(-1)).toMatchObject({ connector: 'burst-in', dropped: status.recordsDropped });
  });

  test('a server restart logs "connection … lost" and "reconnected after N s" for the connector', { timeout: 60_000 }, async () => {
    const server = await testNatsServer();
    const { runtime } = await testRuntime();
    const warnings = listen<ConnectorWarningEvent>('sluice:connector:warning');
    await runtime.start({ name: 'blip-in', connector: 'nats-source', topic: 'blip', 'nats.servers': server.url, 'nats.subject': 'blip' });
    await eventually('running', () => runtime.status('blip-in').state === 'running');
    await runtime.whenIdle({ settleMs: 100 });
    await server.stop();
    await eventually('the "lost" warning', () => warnings.some((w) => w.name === 'blip-in' && /NATS connection to .* lost; reconnecting/.test(w.message)));
    await server.start();
    await eventually('the "reconnected" warning', () => warnings.some((w) => w.name === 'blip-in' && /^NATS reconnected after \d+\.\d s/.test(w.message)), 30_000);
  });

  test('refused credentials fail the connector at once, naming it and the user (no retry loop)', { timeout: 60_000 }, async () => {
    const server = await testNatsServer({ args: ['--user', 'sluice', '--pass', 'right'] });
    const { runtime } = await testRuntime();
    const retries = listen<{ name: string }>('sluice:connector:retry');
    await runtime
      .start({ name: 'auth-in', connector: 'jetstream-source', topic: 'auth', 'nats.servers': server.url, 'nats.user': 'sluice', 'nats.password': 'wrong', 'jetstream.stream': 'S' })
      .catch(() => {});
    await eventually('failed', () => runtime.status('auth-in').state === 'failed', 30_000);
    let cause: unknown = runtime.status('auth-in').error;
    while (cause instanceof Error && !(cause instanceof NatsAuthorizationError)) cause = cause.cause;
    expect(cause).toBeInstanceOf(NatsAuthorizationError);
    if (!(cause instanceof NatsAuthorizationError)) return;
    expect(cause.message).toMatch(/connector "auth-in": NATS at nats:\/\/127\.0\.0\.1:\d+ refused user "sluice" \(nats\.user, nats\.password\): .*Authorization Violation/i);
    expect(cause.message).not.toContain('wrong');
    expect(retries.filter((r) => r.name === 'auth-in')).toHaveLength(0);
  });
});
