/**
 * SASL end to end: `sluice sasl-users add` writes the users file, `sluice broker --sasl-users` (the
 * built CLI, a child process) requires the login, and real clients log in with PLAIN,
 * SCRAM-SHA-256 and SCRAM-SHA-512 — kafkajs 2.2.4, librdkafka through kcat and Debian's
 * python3-confluent-kafka, and Sluice's own remote engine from the CLI (`-b … --sasl-…`) and from a
 * pipeline file (`engine.sasl`). Wrong passwords, unknown users and mechanisms the broker does not
 * enable fail with errors that say so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { cliSession } from '../../cli/cli-helpers.js';
import { kcat, python, startBrokerProcess } from './broker-process.js';

type OnFinished = (fn: () => void | Promise<void>) => void;
const PASSWORD = 'alice-secret';

/** A users file with alice (both SCRAM credentials) and bob (SCRAM-SHA-512 only), written by the CLI. */
async function usersFile(onFinished: OnFinished): Promise<string> {
  const cli = cliSession(onFinished);
  const file = path.join(cli.tempDir('sluice-sasl-'), 'users.txt');
  const alice = await cli.run(['sasl-users', 'add', 'alice', '--file', file], { input: `${PASSWORD}\n` });
  expect(alice.stderr).toBe(`user alice stored in ${file} (SCRAM-SHA-256, SCRAM-SHA-512)\n`);
  expect((await cli.run(['sasl-users', 'add', 'bob', '--file', file, '--mechanism', 'SCRAM-SHA-512', '--iterations', '8192'], { input: 'bob-secret\n' })).code).toBe(0);
  const text = fs.readFileSync(file, 'utf8');
  expect(text).not.toContain(PASSWORD);
  expect(text).toMatch(/^bob SCRAM-SHA-512 salt=.*,iterations=8192$/m);
  return file;
}

async function saslBroker(onFinished: OnFinished, args: string[] = []) {
  return startBrokerProcess(onFinished, { args: ['--sasl-users', await usersFile(onFinished), '-c', 'num.partitions=1', ...args] });
}

const kafkajs = (bootstrap: string, sasl: SASLOptions) => new Kafka({ brokers: [bootstrap], clientId: 'sasl-test', sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
const kcatSasl = (bootstrap: string, mechanism: string, user: string, password: string) => ['-b', bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`];

describe('sluice broker with SASL and real clients', () => {
  it('kafkajs logs in with plain, scram-sha-256 and scram-sha-512, produces and consumes; a wrong password and an unknown user are refused', async ({ onTestFinished }) => {
    const broker = await saslBroker(onTestFinished);
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      const kafka = kafkajs(broker.bootstrap, { mechanism, username: 'alice', password: PASSWORD } as SASLOptions);
      const producer = kafka.producer();
      await producer.connect();
      onTestFinished(() => producer.disconnect());
      const topic = `js-${mechanism}`;
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: `via ${mechanism}` }] });
      const consumer = kafka.consumer({ groupId: `g-${mechanism}` });
      await consumer.connect();
      onTestFinished(() => consumer.disconnect());
      await consumer.subscribe({ topic, fromBeginning: true });
      const value = await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }));
      expect(value).toBe(`via ${mechanism}`);
      await consumer.disconnect();
      await producer.disconnect();
    }
    const refused = async (sasl: SASLOptions): Promise<string> => {
      const admin = kafkajs(broker.bootstrap, sasl).admin();
      onTestFinished(() => admin.disconnect());
      return admin.connect().then(() => 'connected', (e: Error) => e.message);
    };
    expect(await refused({ mechanism: 'scram-sha-256', username: 'alice', password: 'guess' })).toMatch(/SASL SCRAM SHA256 authentication failed: Authentication failed: invalid username or password \(SASL mechanism SCRAM-SHA-256\)/);
    expect(await refused({ mechanism: 'plain', username: 'mallory', password: PASSWORD })).toMatch(/SASL PLAIN authentication failed: Authentication failed: invalid username or password \(SASL mechanism PLAIN\)/);
    expect(await refused({ mechanism: 'scram-sha-256', username: 'bob', password: 'bob-secret' })).toMatch(/invalid username or password/); // bob has no SHA-256 credential
    expect(broker.stderr()).toMatch(/SASL SCRAM-SHA-256 login refused: wrong password for user "alice"/);
    expect(broker.stderr()).toMatch(/SASL PLAIN login refused: unknown user "mallory"/);
  });

  it('librdkafka (kcat and confluent_kafka) logs in with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; a wrong password fails with the broker\'s message', async ({ onTestFinished }) => {
    const broker = await saslBroker(onTestFinished);
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      const topic = `rd-${mechanism.toLowerCase()}`;
      await kcat([...kcatSasl(broker.bootstrap, mechanism, 'alice', PASSWORD), '-P', '-t', topic], 'one\ntwo\n');
      const read = await kcat([...kcatSasl(broker.bootstrap, mechanism, 'alice', PASSWORD), '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
      expect(read.trim().split('\n')).toEqual(['one', 'two']);
      const py = await python<{ produced: number; consumed: string[]; error: string | null }>('sasl_roundtrip', [broker.bootstrap, mechanism, 'alice', PASSWORD, `py-${mechanism.toLowerCase()}`, '50']);
      expect(py.error).toBeNull();
      expect(py.consumed).toEqual(Array.from({ length: 50 }, (_, i) => `${mechanism}-${i}`));
    }
    const wrong = await kcat([...kcatSasl(broker.bootstrap, 'SCRAM-SHA-512', 'alice', 'guess'), '-L', '-m', '3']).then(() => 'listed', (e: Error) => e.message);
    expect(wrong).toMatch(/SASL authentication error: Authentication failed: invalid username or password \(SASL mechanism SCRAM-SHA-512\)/);
    const py = await python<{ error: string | null }>('sasl_roundtrip', [broker.bootstrap, 'PLAIN', 'alice', 'guess', 'py-wrong', '1']);
    expect(py.error).toMatch(/Authentication failed: invalid username or password \(SASL mechanism PLAIN\)/);
  });

  it('kcat gets the enabled mechanisms when it asks for another (-c sasl.enabled.mechanisms)', async ({ onTestFinished }) => {
    const broker = await saslBroker(onTestFinished, ['-c', 'sasl.enabled.mechanisms=SCRAM-SHA-512']);
    const plain = await kcat([...kcatSasl(broker.bootstrap, 'PLAIN', 'alice', PASSWORD), '-L', '-m', '3']).then(() => 'listed', (e: Error) => e.message);
    expect(plain).toMatch(/SASL PLAIN mechanism handshake failed: Broker: Unsupported SASL mechanism: broker's supported mechanisms: SCRAM-SHA-512/);
    expect(await kcat([...kcatSasl(broker.bootstrap, 'SCRAM-SHA-512', 'bob', 'bob-secret'), '-L'])).toMatch(/1 brokers:/);
    expect(broker.stderr()).toMatch(/SASL mechanism "PLAIN" is not enabled \(SCRAM-SHA-512\); closing the connection/);
  });

  it('the sluice CLI (-b with --sasl-…) and a pipeline file (engine.sasl) log in through the remote engine; wrong credentials fail clearly', async ({ onTestFinished }) => {
    const broker = await saslBroker(onTestFinished);
    const cli = cliSession(onTestFinished);
    const login = ['-b', broker.bootstrap, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', 'alice'];
    const env = { SLUICE_SASL_PASSWORD: PASSWORD };
    expect((await cli.run([...login, 'topics', 'create', 'words', '-p', '1'], { env })).code).toBe(0);
    expect((await cli.run([...login, 'produce', 'words'], { env, input: 'alpha\nbeta\n' })).stderr).toContain('2 records acknowledged');
    const consumed = await cli.run([...login, 'consume', 'words', '-o', 'beginning', '-e'], { env });
    expect(consumed.stdout).toBe('alpha\nbeta\n');

    const wrong = await cli.run([...login, 'topics', 'list'], { env: { SLUICE_SASL_PASSWORD: 'guess' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(`sluice: SASL SCRAM-SHA-256 authentication as "alice" to ${broker.bootstrap} failed: Authentication failed: invalid username or password (SASL mechanism SCRAM-SHA-256)\n`);
    const none = await cli.run(['-b', broker.bootstrap, 'topics', 'list']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^sluice: .*127\.0\.0\.1/);
    const usage = await cli.run(['--sasl-mechanism', 'gssapi', '--sasl-username', 'a', '--sasl-password', 'p', '-b', broker.bootstrap, 'topics', 'list']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('sluice: --sasl-mechanism: expected plain, scram-sha-256, scram-sha-512, got "gssapi"\n');

    // A pipeline file names the cluster and the login; the password comes from the environment.
    const dir = cli.tempDir('sluice-sasl-pipeline-');
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'a.txt'), 'x\ny\nz\n');
    fs.writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      [
        'name: sasl-pipeline',
        'engine:',
        `  bootstrap_servers: ${broker.bootstrap}`,
        '  sasl: { mechanism: scram-sha-512, username: alice, password: "${ALICE_PASSWORD}" }',
        'topics:',
        '  lines: { partitions: 1, value_format: string }',
        'sources:',
        '  - name: in',
        '    connector: file-source',
        '    topic: lines',
        '    file.path: ${PIPELINE_DIR}/in/*.txt',
        '    file.format: lines',
      ].join('\n') + '\n',
    );
    const run = await cli.run(['run', '--until-idle', path.join(dir, 'pipeline.yaml')], { env: { ALICE_PASSWORD: PASSWORD } });
    expect(run.code, run.stderr).toBe(0);
    expect((await cli.run([...login, 'consume', 'lines', '-o', 'beginning', '-e'], { env })).stdout).toBe('x\ny\nz\n');
  });
});
