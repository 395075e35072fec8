/** The CLI's public surface: build the command tree, or run it on an argv. */
export { createProgram, DEFAULT_DATA_DIR, run } from './program.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
export { compileFormat, type RecordFormatter } from './format.js';
export { parseStartOffset, type StartOffset } from './offset-spec.js';
