/**
 * Runs a validated pipeline. (Being implemented: see the note in `runPipeline`.)
 */
import type { Pipeline } from './pipeline.js';

export interface RunPipelineOptions {
  /** Data directory when the pipeline is not in memory (the CLI passes engine.data_dir or --data-dir, resolved). */
  dataDir?: string;
  /** Return once every source is drained, every stream caught up and every sink flushed. */
  untilIdle?: boolean;
  /** With `untilIdle`: how long everything must stay idle (default 1000 ms). */
  idleMs?: number;
  /** Aborting stops the pipeline gracefully; `runPipeline` then resolves. */
  signal?: AbortSignal;
  /** Where a live status line goes (only drawn when it is a TTY). */
  status?: NodeJS.WriteStream;
}

export async function runPipeline(pipeline: Pipeline, _options: RunPipelineOptions = {}): Promise<void> {
  throw new Error(`sluice run is not implemented yet (pipeline ${pipeline.name} is valid)`);
}
