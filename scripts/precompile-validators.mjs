// Build step (after tsc): writes ajv's standalone validators for Sluice's schemas beside the module
// that loads them, so start-up does not compile schemas. Starts from an empty folder, so no
// validator of an older schema stays. test/connectors/config/schema-validator.test.ts fails when
// the folder differs from what the current sources generate.
import fs from 'node:fs';
import { builtInSchemas } from '../dist/pipelines/built-in-schemas.js';
import { PRECOMPILED_VALIDATORS_DIR, precompiledValidatorModules } from '../dist/connectors/config/schema-validator.js';

const dir = new URL(`../dist/connectors/config/${PRECOMPILED_VALIDATORS_DIR}/`, import.meta.url);
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
for (const [file, source] of precompiledValidatorModules(builtInSchemas())) fs.writeFileSync(new URL(file, dir), source);
