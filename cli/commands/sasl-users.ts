/**
 * `sluice sasl-users add USER --file FILE`: stores a SASL user for `sluice broker --sasl-users FILE`,
 * as Kafka's `kafka-configs --alter --entity-type users --entity-name USER --add-config
 * 'SCRAM-SHA-256=[iterations=4096,password=…]'` does: the password (the first line of stdin, so it
 * shows in no process list) is turned into SCRAM credentials — salt, iterations, StoredKey,
 * ServerKey — and only those are written. A running broker picks the change up at the next login.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { positiveInteger } from '../arguments.js';
import { UsageError } from '../errors.js';
import { loadCore } from '../load-core.js';

interface AddOptions {
  file: string;
  mechanism?: string[];
  iterations?: number;
}

const SCRAM = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

export function registerSaslUsersCommand(program: Command): void {
  const users = program.command('sasl-users').description('manage the SASL users of sluice broker --sasl-users FILE');
  users
    .command('add')
    .description('add or replace a user: its password (first line of stdin) stored as SCRAM credentials, never as text')
    .argument('<user>', 'user name (no whitespace)')
    .requiredOption('--file <file>', 'the users file (created when missing)')
    .option('--mechanism <name>', 'SCRAM-SHA-256 or SCRAM-SHA-512, repeatable (default both; PLAIN logins use either)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--iterations <n>', 'PBKDF2 iterations (Kafka\'s minimum and default 4096)', positiveInteger('--iterations', 'iterations'))
    .addHelpText('after', '\nExamples:\n  $ printf "%s\\n" "$ALICE_PASSWORD" | sluice sasl-users add alice --file users.txt\n  $ sluice broker --sasl-users users.txt')
    .action(async (user: string, options: AddOptions) => {
      const mechanisms = options.mechanism ?? [...SCRAM];
      const bad = mechanisms.find((m) => !(SCRAM as readonly string[]).includes(m));
      if (bad !== undefined) throw new UsageError(`--mechanism: expected SCRAM-SHA-256 or SCRAM-SHA-512, got "${bad}"`);
      const password = (await readAll(process.stdin)).split(/\r?\n/)[0];
      if (password === undefined || password === '') throw new UsageError('no password on stdin: pipe it in, e.g. printf "%s\\n" "$PASSWORD" | sluice sasl-users add USER --file FILE');
      const { createScramCredential, SaslUsers, withSaslUser } = await loadCore();
      let text = fs.existsSync(options.file) ? fs.readFileSync(options.file, 'utf8') : '# sluice broker --sasl-users: USER MECHANISM CREDENTIAL (Kafka\'s stored SCRAM credential, no password)\n';
      SaslUsers.parse(text, options.file); // refuse to append to a broken file
      for (const mechanism of mechanisms as (typeof SCRAM)[number][]) text = withSaslUser(text, user, mechanism, createScramCredential(mechanism, password, { iterations: options.iterations }));
      // Written aside and renamed: a broker re-reading the file never sees half of it.
      const temp = `${options.file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, text, { mode: 0o600 });
      fs.renameSync(temp, options.file);
      process.stderr.write(`user ${user} stored in ${options.file} (${mechanisms.join(', ')})\n`);
    });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
