/**
 * Every benchmark, one after the other, each in its own process (so one's heap and open files
 * don't tilt the next): what `npm run bench` runs. Extra arguments (e.g. `--runs 1`) go to each.
 *
 *   npm run bench [-- --runs N]
 *
 * The JetStream benchmark needs `nats-server` on the PATH, the broker one also gcc with librdkafka's
 * headers (Debian's librdkafka-dev, for its C client), Debian's python3-confluent-kafka and a built
 * CLI (`npm run build`); without them, they are reported and left out.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCHES = ['record-batch-codec.ts', 'produce-consume.ts', 'hypercore-append.ts', 'compression.ts', 'consumer-group.ts', 'streams-topology.ts', 'file-connectors.ts', 'jetstream-connectors.ts', 'broker.ts', 'topic-create.ts'];
const here = path.dirname(fileURLToPath(import.meta.url));
const hasNatsServer = spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).status === 0;
const hasLibrdkafkaDev = spawnSync('gcc', ['-x', 'c', '-fsyntax-only', '-'], { input: '#include <librdkafka/rdkafka.h>\n', stdio: ['pipe', 'ignore', 'ignore'] }).status === 0;

let failed = 0;
for (const bench of BENCHES) {
  if (bench === 'jetstream-connectors.ts' && !hasNatsServer) {
    console.log(`\n# ${bench}: left out, nats-server is not on the PATH (apt-get install nats-server)`);
    continue;
  }
  if (bench === 'broker.ts' && (!hasLibrdkafkaDev || !hasNatsServer)) {
    console.log(`\n# ${bench}: left out, it needs gcc, librdkafka-dev, nats-server and python3-confluent-kafka (apt-get install gcc librdkafka-dev nats-server python3-confluent-kafka)`);
    continue;
  }
  console.log(`\n# ${bench}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, bench), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`${bench} failed (exit ${run.status ?? run.signal})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
