/** Sluice pipelines: declarative jobs in a YAML or JSON file. This file is the public surface. */
export { loadPipeline, parsePipeline, type LoadPipelineOptions } from './load-pipeline.js';
export { pipelineSchema, PIPELINE_SCHEMA_ID, type PipelineSchemaOptions } from './pipeline-schema.js';
export { formatProblem, PipelineError, PipelineStepError, type PipelineProblem } from './errors.js';
export { interpolateString } from './interpolate.js';
export { compileExpression, ExpressionSyntaxError, type Expression, type ExpressionRecord } from './expression.js';
export { parseDuration } from './duration.js';
export type { Location } from './source-map.js';
export { AGGREGATE_OPS, STEP_TYPES, type AggregateOp, type StepType } from './step-schemas.js';
export type { Format } from './topic-schema.js';
export type {
  AggregateField,
  AggregateStep,
  BranchStep,
  ConnectorSpec,
  CustomStep,
  EngineSpec,
  FilterStep,
  FlatMapStep,
  JoinStep,
  KeyStep,
  MapStep,
  Pipeline,
  Step,
  StreamSpec,
  TimestampStep,
  TopicSpec,
  WindowSpec,
} from './pipeline.js';
export { runPipeline, type PipelineRunPhases, type PipelineRunSummary, type PipelineStatus, type RunPipelineOptions } from './run-pipeline.js';
export { buildTopology, type BuildTopologyOptions } from './build-topology.js';
export { inputWarnings } from './input-warnings.js';
export * from './testing/index.js';
