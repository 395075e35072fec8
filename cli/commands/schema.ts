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
      ].join('\n'),
    )
    .action(async () => {
      // `sluice schema | head` closes the pipe early: that is not an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
      });
      const [{ pipelineSchema }, { createRegistry }] = await Promise.all([import('../../pipelines/index.js'), import('../../connectors/index.js')]);
      process.stdout.write(`${JSON.stringify(pipelineSchema(createRegistry()), null, 2)}\n`);
    });
}
