/**
 * Every JSON Schema Sluice validates its own files with, for the built-in connector registry:
 * pipeline files, connector configs (each type, and the common fields alone) and pipeline tests.
 * The build precompiles exactly these (`scripts/precompile-validators.mjs`).
 */
import { ConfigValidator, createRegistry, type JsonSchema } from '../connectors/index.js';
import { testValidationSchemas } from './testing/load-test-file.js';
import { validationSchema } from './validate-schema.js';

/** The schemas, in a stable order. */
export function builtInSchemas(): JsonSchema[] {
  const registry = createRegistry();
  const tests = testValidationSchemas();
  return [validationSchema(registry), ...new ConfigValidator(registry).schemas(), tests.file, tests.section];
}
