/**
 * Graceful shutdown on signals: on SIGINT or SIGTERM, close the application (drain the batches in
 * progress, write the changelogs, commit), then exit. A second signal exits at once.
 *
 * @example
 *   await app.start();
 *   installShutdownHandlers(app);
 */
export interface ShutdownOptions {
  /** Default `['SIGINT', 'SIGTERM']`. */
  signals?: readonly NodeJS.Signals[];
  /** Exit the process once closed (default true), with code 0 (1 if closing failed). */
  exit?: boolean;
  /** Called when a signal arrives, before closing. */
  onSignal?: (signal: NodeJS.Signals) => void;
}

export interface Closeable {
  close(): Promise<void>;
}

/** Installs the handlers; returns a function that removes them. */
export function installShutdownHandlers(app: Closeable, options: ShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  let closing = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) process.exit(130);
    closing = true;
    options.onSignal?.(signal);
    app.close().then(
      () => {
        if (options.exit ?? true) process.exit(0);
      },
      (err: unknown) => {
        console.error(err);
        if (options.exit ?? true) process.exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
