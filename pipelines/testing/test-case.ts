/**
 * A pipeline test, as `loadTestFile` makes it: a suite per file, cases with their inputs and
 * expectations, timestamps in milliseconds, conditions compiled, and the place of each part in the
 * file (for reports).
 */
import type { Expression } from '../expression.js';
import type { Location } from '../source-map.js';

export interface TestSuite {
  /** The test file (or pipeline file with a `tests:` section), as given. */
  readonly file: string;
  /** Absolute path of the pipeline file under test. */
  readonly pipelineFile: string;
  /** `${VAR}` values for every case (a case's own win). */
  readonly vars: Readonly<Record<string, string>>;
  readonly cases: readonly TestCase[];
}

export interface TestCase {
  readonly name: string;
  readonly at: Location;
  readonly vars: Readonly<Record<string, string>>;
  /** Per topic, in file order. */
  readonly inputs: readonly { readonly topic: string; readonly records: readonly InputRecord[]; readonly at: Location }[];
  readonly wallClockMs: number;
  /** Wall-clock advance after each input record without a timestamp. */
  readonly advanceMs: number;
  readonly closeWindows: boolean;
  readonly expect: readonly TopicExpectation[];
  readonly stores: readonly StoreExpectation[];
}

export interface InputRecord {
  readonly key: unknown;
  readonly value: unknown;
  readonly headers: Readonly<Record<string, string | null>>;
  readonly timestamp?: number;
}

/** An expected record: only the fields given are compared (headers as a subset). */
export interface ExpectedRecord {
  readonly key?: unknown;
  readonly value?: unknown;
  readonly headers?: Readonly<Record<string, string | null>>;
  readonly timestamp?: number;
  readonly at: Location;
}

export interface TopicExpectation {
  readonly topic: string;
  readonly at: Location;
  readonly inOrder?: readonly ExpectedRecord[];
  readonly anyOrder?: readonly ExpectedRecord[];
  readonly count?: number;
  readonly condition?: Expression;
}

export interface StoreExpectation {
  readonly store: string;
  /** Key (as text) → expected value; null: absent. */
  readonly entries: Readonly<Record<string, unknown>>;
  readonly at: Location;
}

/** A record as a case's output topic holds it. */
export interface ActualRecord {
  readonly key: unknown;
  readonly value: unknown;
  readonly headers: Record<string, string | null>;
  readonly timestamp: number;
}
