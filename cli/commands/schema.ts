/**
 * `sluice schema`: prints the JSON Schema of pipeline files, for editors (VS Code's YAML
 * extension: `# yaml-language-server: $schema=./pipeline.schema.json`) and other validators.
 */
import type { Command } from 'commander';

export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of pipeline files (for editors and validators)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ sluice schema > pipeline.schema.json',
        '  then start a pipeline file with: # yaml-language-server: $schema=./pipeline.schema.json',
        '  $ sluice schema --tests > pipeline-test.schema.json   # for *.test.yaml files',
      ].join('\n'),
    )
    .option('--tests', 'print the schema of pipeline test files (*.test.yaml) instead')
    .action(async (options: { tests?: boolean }) => {
      // `sluice schema | head` closes the pipe early: that is not an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
      });
      const [{ pipelineSchema }, { createRegistry }] = await Promise.all([import('../../pipelines/index.js'), import('../../connectors/index.js')]);
      const schema = options.tests ? (await import('../../pipelines/index.js')).testFileSchema() : pipelineSchema(createRegistry());
      process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    });
}
