/** Helpers for pipeline tests: validate text and get its problems. */
import { parsePipeline, PipelineError, type LoadPipelineOptions, type Pipeline, type PipelineProblem } from '../../pipelines/index.js';

/** The problems of pipeline `text` (named `file`); fails the test when it is valid. */
export function problemsOf(text: string, options: LoadPipelineOptions & { file?: string } = {}): PipelineProblem[] {
  try {
    parsePipeline(text, options.file ?? 'p.yaml', { env: {}, ...options });
  } catch (error) {
    if (error instanceof PipelineError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the pipeline to be invalid');
}

/** Parses valid pipeline text (throws with every problem otherwise). */
export function valid(text: string, options: LoadPipelineOptions & { file?: string } = {}): Pipeline {
  return parsePipeline(text, options.file ?? 'p.yaml', { env: {}, ...options });
}

/** A small valid pipeline to start tests from. */
export const BASE = `name: test
topics:
  orders: { partitions: 2 }
  out: {}
streams:
  - from: orders
    steps:
      - filter: total > 0
    to: out
`;
