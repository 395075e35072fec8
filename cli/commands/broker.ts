/**
 * `sluice broker`: serves Kafka's wire protocol over a data directory, so kcat, librdkafka, kafkajs,
 * @platformatic/kafka and Kafka's own tools produce, consume, form groups and administer topics.
 * Prints `listening on HOST:PORT` on stdout once it accepts connections. SIGINT/SIGTERM: stop
 * accepting, answer what is in flight, close the engine (flushing every log), exit 0.
 *
 * `-c key=value` takes Kafka's broker settings: `auto.create.topics.enable`, `num.partitions`,
 * `socket.request.max.bytes`, `node.id`, `offsets.topic.num.partitions`,
 * `group.min.session.timeout.ms`, `group.max.session.timeout.ms`, `group.initial.rebalance.delay.ms`,
 * and topic defaults as `log.<topic config>` or the topic config's own name (`log.flush.messages=1`).
 *
 * SASL (Kafka's SASL_PLAINTEXT listener): `--sasl-users FILE` requires every client to log in as a
 * user of FILE (written by `sluice sasl-users add`); `-c sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256`
 * narrows the mechanisms (default all three: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
 */
import { Option, type Command } from 'commander';
import type { BrokerOptions, LogConfigInput, SaslMechanismName, StartBrokerOptions } from '../../core/index.js';
import { keyValue } from '../arguments.js';
import { engineTarget } from '../data-dir.js';
import { asUsage, UsageError } from '../errors.js';
import { hostPort, type HostPort } from '../host-port.js';
import { loadCore } from '../load-core.js';
import type { LogOptions } from '../observability/logger.js';
import { addLogOptions, withLogging } from '../observability/with-logging.js';

interface BrokerCommandOptions extends LogOptions {
  listen: HostPort;
  advertised?: HostPort;
  config?: Record<string, string>;
  saslUsers?: string;
}

export interface BrokerSettings {
  engine: BrokerOptions;
  server: StartBrokerOptions;
  /** `sasl.enabled.mechanisms`, when given. */
  saslMechanisms?: SaslMechanismName[];
}

const SASL_MECHANISM_NAMES: readonly SaslMechanismName[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

const INTEGER = /^-?\d+$/;
const BROKER_SETTINGS = [
  'auto.create.topics.enable',
  'num.partitions',
  'socket.request.max.bytes',
  'node.id',
  'offsets.topic.num.partitions',
  'group.min.session.timeout.ms',
  'group.max.session.timeout.ms',
  'group.initial.rebalance.delay.ms',
  'broker.session.timeout.ms',
  'sasl.enabled.mechanisms',
];

/** Maps `-c` settings to engine and server options. @throws UsageError naming the key */
export function brokerSettings(config: Record<string, string>, parseTopicConfig: (input: LogConfigInput) => unknown): BrokerSettings {
  const engine: BrokerOptions = {};
  const server: StartBrokerOptions = {};
  const topicDefaults: Record<string, string> = {};
  let saslMechanisms: SaslMechanismName[] | undefined;
  const int = (key: string, value: string, min: number): number => {
    if (!INTEGER.test(value) || Number(value) < min) throw new UsageError(`-c ${key}: expected an integer ≥ ${min}, got "${value}"`);
    return Number(value);
  };
  for (const [key, value] of Object.entries(config)) {
    switch (key) {
      case 'auto.create.topics.enable':
        if (value !== 'true' && value !== 'false') throw new UsageError(`-c ${key}: expected true or false, got "${value}"`);
        engine.autoCreateTopics = server.autoCreateTopics = value === 'true';
        break;
      case 'num.partitions':
        engine.defaultPartitions = int(key, value, 1);
        break;
      case 'socket.request.max.bytes':
        server.maxRequestBytes = int(key, value, 1024);
        break;
      case 'node.id':
        server.nodeId = int(key, value, 0);
        break;
      case 'offsets.topic.num.partitions':
        engine.offsetsTopicPartitions = int(key, value, 1);
        break;
      case 'group.min.session.timeout.ms':
        engine.groupMinSessionTimeoutMs = int(key, value, 1);
        break;
      case 'group.max.session.timeout.ms':
        engine.groupMaxSessionTimeoutMs = int(key, value, 1);
        break;
      case 'group.initial.rebalance.delay.ms':
        engine.groupInitialRebalanceDelayMs = int(key, value, 0);
        break;
      case 'broker.session.timeout.ms':
        server.brokerSessionTimeoutMs = int(key, value, 300);
        break;
      case 'sasl.enabled.mechanisms': {
        const names = value.split(',').map((m) => m.trim()).filter((m) => m !== '');
        const bad = names.find((m) => !(SASL_MECHANISM_NAMES as readonly string[]).includes(m));
        if (names.length === 0 || bad !== undefined) throw new UsageError(`-c ${key}: expected a comma-separated list of ${SASL_MECHANISM_NAMES.join(', ')}, got "${bad ?? value}"`);
        saslMechanisms = names as SaslMechanismName[];
        break;
      }
      default:
        topicDefaults[key.startsWith('log.') ? key.slice(4) : key] = value;
    }
  }
  asUsage(() => {
    try {
      parseTopicConfig(topicDefaults as LogConfigInput);
    } catch (error) {
      const key = (error as { path?: string }).path;
      if (key === undefined || !(error instanceof Error) || !error.message.startsWith('unknown')) throw error;
      throw new UsageError(`-c: "${key}" is neither a broker setting (${BROKER_SETTINGS.join(', ')}) nor a topic default (log.<topic config>): ${error.message}`);
    }
  });
  engine.defaultTopicConfig = topicDefaults as LogConfigInput;
  return { engine, server, ...(saslMechanisms ? { saslMechanisms } : {}) };
}

export function registerBrokerCommand(program: Command): void {
  addLogOptions(program.command('broker'))
    .description("serve Kafka's wire protocol over the data directory or a JetStream cluster (kcat, librdkafka, kafkajs, Kafka's tools)")
    .addOption(new Option('--listen <host:port>', 'address to listen on (port 0: any free port)').argParser(hostPort('--listen')).default({ host: '127.0.0.1', port: 9092 }, '127.0.0.1:9092'))
    .option('--advertised <host:port>', 'address clients are told to connect to (default: the listening one)', hostPort('--advertised'))
    .option('-c, --config <key=value>', 'broker setting, repeatable (auto.create.topics.enable, num.partitions, sasl.enabled.mechanisms, log.flush.messages…)', keyValue('-c'))
    .option('--sasl-users <file>', 'require SASL (PLAIN, SCRAM-SHA-256/512) as a user of FILE (see sluice sasl-users add)')
    .addHelpText(
      'after',
      [
        '',
        'Prints "listening on HOST:PORT" on stdout once it accepts connections; SIGINT/SIGTERM stop it cleanly.',
        '',
        'Examples:',
        '  $ sluice broker --data-dir ./data',
        '  $ kcat -b 127.0.0.1:9092 -L',
        '  $ sluice broker --listen 0.0.0.0:9092 --advertised kafka.example:9092 -c num.partitions=3 -c log.flush.messages=1',
        '  $ sluice --jetstream nats://n1:4222,nats://n2:4222 broker --listen 0.0.0.0:9092 --advertised b1.example:9092',
        '    (any number of brokers over one JetStream cluster; Metadata lists every live one)',
        '  $ echo "$ALICE_PASSWORD" | sluice sasl-users add alice --file users.txt',
        '  $ sluice broker --sasl-users users.txt -c sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512',
        '  $ kcat -b 127.0.0.1:9092 -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=alice -X sasl.password=… -L',
      ].join('\n'),
    )
    .action(async (options: BrokerCommandOptions, command: Command) => {
      const core = await loadCore();
      const settings = brokerSettings(options.config ?? {}, (input) => core.parseLogConfig(input));
      const target = engineTarget(command);
      if (typeof target !== 'string' && 'bootstrapServers' in target) {
        throw new UsageError('sluice broker serves a data directory or a JetStream cluster (--data-dir or --jetstream), not another Kafka cluster (-b)');
      }
      if (settings.saslMechanisms && options.saslUsers === undefined) throw new UsageError('-c sasl.enabled.mechanisms needs --sasl-users FILE (the users who may log in)');
      await withLogging(options, async (logger) => {
        // Read before the engine opens: a missing or bad users file stops the broker at once, naming the line.
        const users = options.saslUsers === undefined ? undefined : await core.SaslUsersFile.open(options.saslUsers, (line) => logger.warn(line));
        // Over JetStream the broker is stateless: any number share the engine (see startBroker).
        const { autoCreateTopics, defaultPartitions, defaultTopicConfig, groupMinSessionTimeoutMs, groupMaxSessionTimeoutMs, groupInitialRebalanceDelayMs } = settings.engine;
        const cluster =
          typeof target === 'string'
            ? await core.openCluster({ ...settings.engine, dataDir: target })
            : await core.openCluster({ jetstream: { ...target.jetstream, autoCreateTopics, defaultPartitions, defaultTopicConfig, groupMinSessionTimeoutMs, groupMaxSessionTimeoutMs, groupInitialRebalanceDelayMs } });
        try {
          await serveUntilSignal(cluster, {
            ...settings.server,
            host: options.listen.host,
            port: options.listen.port,
            advertisedHost: options.advertised?.host,
            advertisedPort: options.advertised?.port,
            log: (line) => logger.warn(line),
            sasl: users && { enabledMechanisms: settings.saslMechanisms ?? SASL_MECHANISM_NAMES, users },
          });
        } finally {
          await cluster.close();
        }
      });
    });
}

/** Starts a broker on `cluster`, prints `listening on HOST:PORT`, and serves until SIGINT/SIGTERM. */
export async function serveUntilSignal(cluster: Parameters<typeof import('../../core/index.js').startBroker>[0], options: StartBrokerOptions, signal?: AbortSignal): Promise<void> {
  const { startBroker } = await loadCore();
  const stopping = new AbortController();
  const stop = (): void => stopping.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const broker = await startBroker(cluster, options);
    const { host, port } = broker.address;
    process.stdout.write(`listening on ${host.includes(':') ? `[${host}]` : host}:${port}\n`);
    if (!stopping.signal.aborted) await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
    await broker.close();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    signal?.removeEventListener('abort', stop);
  }
}
