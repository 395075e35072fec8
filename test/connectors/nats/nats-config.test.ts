import { describe, expect, test } from 'vitest';
import { ConfigValidator, ConnectorConfigError, createRegistry } from '../../../connectors/index.js';
import { defaultDurableName } from '../../../connectors/nats/index.js';

const validator = new ConfigValidator(createRegistry());

/** The problems of an invalid config, as "path: message" lines. */
function problems(config: Record<string, unknown>): string[] {
  try {
    validator.validate(config);
  } catch (error) {
    if (error instanceof ConnectorConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('the config was valid');
}

const natsSource = { name: 'in', connector: 'nats-source', topic: 'events', 'nats.subject': 'events.>' };
const jetstreamSource = { name: 'js-in', connector: 'jetstream-source', topic: 'orders', 'jetstream.stream': 'ORDERS' };
const natsSink = { name: 'out', connector: 'nats-sink', topics: 'events', 'nats.subject': 'out.{topic}' };
const jetstreamSink = { name: 'js-out', connector: 'jetstream-sink', topics: 'orders', 'nats.subject': 'orders.{key}' };

describe('NATS connector configs', () => {
  test('minimal configs are valid and get their defaults', () => {
    const source = validator.validate(jetstreamSource);
    expect(source).toMatchObject({
      'nats.servers': 'nats://127.0.0.1:4222',
      'nats.key': '{subject}',
      'jetstream.max.ack.pending': 20000,
      'jetstream.fetch.max.messages': 2000,
    });
    expect(validator.validate(natsSource)['nats.buffer.max.messages']).toBe(100000);
    expect(validator.validate(natsSink)['nats.headers']).toBe(true);
    expect(validator.validate(jetstreamSink)['jetstream.msg.id']).toBe('{topic}-{partition}-{offset}');
  });

  test('every field of every NATS connector has a description and examples', () => {
    for (const type of createRegistry().values()) {
      if (!/nats|jetstream/.test(type.name)) continue;
      for (const [field, schema] of Object.entries(type.configSchema.properties)) {
        expect(schema.description, `${type.name} ${field}`).toEqual(expect.any(String));
        expect(schema.examples, `${type.name} ${field}`).toEqual(expect.any(Array));
      }
    }
  });

  test('a bad subject gives one message naming the path and what is wrong', () => {
    expect(problems({ ...natsSource, 'nats.subject': 'events..created' })).toEqual(['/nats.subject: "events..created" is not a valid NATS subject: it has an empty token (two dots in a row)']);
    expect(problems({ ...natsSource, 'nats.subject': 'events.>.x' })).toEqual(['/nats.subject: "events.>.x" is not a valid NATS subject: it has ">" before the last token (it matches the rest of a subject)']);
    expect(problems({ ...natsSource, 'nats.subject': 'my events' })).toEqual(['/nats.subject: "my events" is not a valid NATS subject: it contains whitespace']);
    expect(problems({ ...jetstreamSource, 'jetstream.filter.subject': 'orders.x*' })).toEqual([
      '/jetstream.filter.subject: "orders.x*" is not a valid NATS subject: it has "*" or ">" inside a token (wildcards are whole tokens, as in orders.* or orders.>)',
    ]);
  });

  test('a sink subject may not have wildcards, empty tokens or broken placeholders', () => {
    expect(problems({ ...natsSink, 'nats.subject': 'out.*' })).toEqual(['/nats.subject: "out.*" is not a valid subject to publish to: it has a wildcard ("*"), and messages are published to concrete subjects']);
    expect(problems({ ...jetstreamSink, 'nats.subject': 'orders.{key}.' })).toEqual(['/nats.subject: "orders.{key}." is not a valid subject to publish to: it has an empty token (a trailing dot)']);
    expect(problems({ ...jetstreamSink, 'nats.subject': 'orders.{key' })).toEqual([
      '/nats.subject: "orders.{key" is not a valid subject template: unbalanced or empty { } (placeholders look like {topic} or {header.region})',
    ]);
  });

  test('unknown placeholders are named with the known ones', () => {
    expect(problems({ ...jetstreamSink, 'nats.subject': 'orders.{colour}' })).toEqual(['/nats.subject: unknown placeholder {colour} (known: {topic}, {partition}, {offset}, {key}, {header.NAME}, {name})']);
    expect(problems({ ...jetstreamSink, 'jetstream.msg.id': '{topic}-{seq}' })).toEqual(['/jetstream.msg.id: unknown placeholder {seq} (known: {topic}, {partition}, {offset}, {key}, {header.NAME}, {name})']);
    expect(problems({ ...natsSource, 'nats.key': '{topic}' })).toEqual(['/nats.key: unknown placeholder {topic} (known: {subject}, {subject.N}, {header.NAME})']);
  });

  test('stream and durable names are checked', () => {
    expect(problems({ ...jetstreamSource, 'jetstream.stream': 'ORDERS.EU' })).toEqual(['/jetstream.stream: "ORDERS.EU" is not a valid JetStream name: no whitespace, ".", "*", ">", "/" or "\\" (at most 255 characters)']);
    expect(defaultDurableName('orders.eu-in')).toBe('sluice-orders_eu-in');
  });

  test('credentials: one way to authenticate, a password needs a user, a certificate needs its key', () => {
    expect(problems({ ...natsSource, 'nats.token': 't', 'nats.user': 'u', 'nats.password': 'p' })).toEqual(['/nats.user: give one way to authenticate, not both nats.token and nats.user']);
    expect(problems({ ...natsSource, 'nats.password': 'p' })).toEqual(['/nats.password: needs nats.user']);
    expect(problems({ ...natsSink, 'nats.tls.cert.file': '/c.pem' })).toEqual(['/nats.tls.key.file: a client certificate needs both nats.tls.cert.file and nats.tls.key.file']);
  });

  test('cross-field limits of the JetStream source', () => {
    expect(problems({ ...jetstreamSource, 'jetstream.max.ack.pending': 100, 'jetstream.fetch.max.messages': 500 })).toEqual(['/jetstream.fetch.max.messages: must not exceed jetstream.max.ack.pending (100)']);
  });

  test('schema problems of several fields are reported together', () => {
    const found = problems({ ...jetstreamSource, 'jetstream.stream': 'A B', 'jetstream.max.ack.pending': 'many', 'nats.colour': 1 });
    expect(found).toHaveLength(3);
    expect(found).toEqual(
      expect.arrayContaining([
        '/jetstream.stream: "A B" is not a valid JetStream name: no whitespace, ".", "*", ">", "/" or "\\" (at most 255 characters)',
        '/jetstream.max.ack.pending: must be an integer, got the string "many"',
        expect.stringMatching(/^\/nats\.colour: unknown field "nats\.colour"/),
      ]),
    );
  });
});
