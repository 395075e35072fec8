/**
 * The engine, imported on first use. Parsing arguments, `--help`, `--version` and usage errors
 * load only commander and the error classes, so they answer in a fraction of the time.
 */
export type Core = typeof import('../core/index.js');

export function loadCore(): Promise<Core> {
  return import('../core/index.js');
}
