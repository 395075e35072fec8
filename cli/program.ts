/**
 * The `sluice` command tree (commander) and `run`, which parses argv, runs the command and maps
 * whatever ends it to an exit code: 0 ok, 1 runtime error, 2 usage error — each error as one line
 * `sluice: <message>` on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerBrokerCommand } from './commands/broker.js';
import { registerConnectCommand } from './commands/connect.js';
import { registerConnectorsCommand } from './commands/connectors.js';
import { registerConsoleCommand } from './commands/console.js';
import { registerConsumeCommand } from './commands/consume.js';
import { registerGroupsCommand } from './commands/groups.js';
import { registerProduceCommand } from './commands/produce.js';
import { registerRunCommand } from './commands/run.js';
import { registerSaslUsersCommand } from './commands/sasl-users.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerTestCommand } from './commands/test.js';
import { registerTopicsCommand } from './commands/topics.js';
import { registerValidateCommand } from './commands/validate.js';
import { packageVersion } from './package-version.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor, formatError, oneLine } from './errors.js';

/** Default `--data-dir` when neither the option nor `SLUICE_DATA_DIR` is set. */
export const DEFAULT_DATA_DIR = './.sluice';

/** Builds the command tree. Errors surface as exceptions (`exitOverride`), never as `process.exit`. */
export function createProgram(): Command {
  const program = new Command('sluice')
    .description("Kafka's model — topics, partitions, offsets, a segmented log — in a Node process")
    .version(packageVersion(), '-V, --version', 'print the version')
    .addOption(new Option('--data-dir <dir>', 'data directory').env('SLUICE_DATA_DIR').default(DEFAULT_DATA_DIR))
    .addOption(new Option('-b, --bootstrap-server <host:port,…>', 'run on a Kafka-compatible cluster (sluice broker, Kafka, Redpanda) instead of --data-dir').env('SLUICE_BOOTSTRAP_SERVERS'))
    .addOption(new Option('--sasl-mechanism <mechanism>', 'with -b: log in with SASL (plain, scram-sha-256, scram-sha-512)').env('SLUICE_SASL_MECHANISM'))
    .addOption(new Option('--sasl-username <user>', 'with -b: SASL user name').env('SLUICE_SASL_USERNAME'))
    .addOption(new Option('--sasl-password <password>', 'with -b: SASL password (prefer SLUICE_SASL_PASSWORD: a flag shows in ps)').env('SLUICE_SASL_PASSWORD'))
    .addOption(new Option('--jetstream <servers>', 'run on a NATS JetStream cluster instead of a data directory (comma-separated nats:// URLs)').env('SLUICE_JETSTREAM'))
    .addOption(new Option('--jetstream-replicas <n>', 'JetStream replicas of new topics and of the engine\'s KV bucket (1-5; default 1)').env('SLUICE_JETSTREAM_REPLICAS'))
    .addOption(new Option('--jetstream-prefix <prefix>', 'prefix of the engine\'s streams, subjects and KV bucket (default sluice)').env('SLUICE_JETSTREAM_PREFIX'))
    .addOption(new Option('--nats-user <user>', 'NATS user (with --nats-password)').env('SLUICE_NATS_USER'))
    .addOption(new Option('--nats-password <password>', 'NATS password').env('SLUICE_NATS_PASSWORD'))
    .addOption(new Option('--nats-token <token>', 'NATS authentication token').env('SLUICE_NATS_TOKEN'))
    .addOption(new Option('--nats-creds <file>', 'NATS credentials file (.creds)').env('SLUICE_NATS_CREDS'))
    .exitOverride()
    .configureOutput({
      // Commander's own errors ("error: unknown command 'x'"), in the CLI's one-line form.
      outputError: (message, write) => write(`sluice: ${oneLine(message.replace(/^error: /, ''))}\n`),
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ sluice validate orders.yaml && sluice run --until-idle orders.yaml   # a pipeline file as a batch job',
        '  $ sluice connect --until-idle logs.yaml                              # connector configs on their own',
        '  $ sluice topics create orders -p 8',
        '  $ printf "c-1:hello\\nc-2:world\\n" | sluice produce orders -K :',
        "  $ sluice consume orders -o beginning -e -f '%p:%o %k=%s\\n'",
        '  $ SLUICE_DATA_DIR=/var/lib/sluice sluice topics describe orders',
        '  $ sluice -b localhost:9092 run orders.yaml                          # the same pipeline on a broker / Kafka cluster',
        '  $ sluice --jetstream nats://n1:4222,nats://n2:4222 --jetstream-replicas 3 topics create orders -p 8',
      ].join('\n'),
    );
  registerTopicsCommand(program);
  registerProduceCommand(program);
  registerConsumeCommand(program);
  registerGroupsCommand(program);
  registerConnectCommand(program);
  registerConnectorsCommand(program);
  registerRunCommand(program);
  registerBrokerCommand(program);
  registerSaslUsersCommand(program);
  registerValidateCommand(program);
  registerSchemaCommand(program);
  registerTestCommand(program);
  registerConsoleCommand(program);
  return program;
}

/** Runs the CLI on `argv` (as `process.argv`: node, script, args…) and resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv]);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Already printed by commander. --help and --version exit 0; help shown for a missing
      // subcommand and every parse error are usage errors.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    process.stderr.write(formatError(error));
    return exitCodeFor(error);
  }
}
