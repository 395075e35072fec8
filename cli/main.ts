#!/usr/bin/env node
/** The `sluice` executable: runs the CLI and exits with its code. */
import { run } from './program.js';

const code = await run(process.argv);
process.exitCode = code;
// Normally nothing is left and Node exits now; if a handle lingers (stdin on a terminal after
// SIGINT), don't hang on it.
setTimeout(() => process.exit(code), 1000).unref();
