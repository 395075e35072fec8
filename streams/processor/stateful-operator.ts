/**
 * Finds, by the RxJS module that implements it, a stateful operator in a `pipe` node's chain — the
 * operators that keep state across records yet emit one record per input record (`scan`,
 * `distinctUntilChanged`, `switchMap`…), so that what they emit cannot tell them from safe ones.
 *
 * How: when a pipe is instantiated, each RxJS operator's init function (`operate((source,
 * subscriber) => …)` in `rxjs/dist/<build>/internal/operators/<module>.js`) subscribes to its
 * source in one synchronous nested call, so a stack captured inside the pipe's input Observable's
 * subscribe function holds one frame per operator, outermost last, each naming its module file —
 * also for operators inside a user's custom operator (`(s) => s.pipe(map(…), scan(…))`). The
 * frames from the guard's own subscribe function down belong to the rest of the topology and are
 * not read. Capturing costs ~0.1–0.2 ms (`bench/pipe-guard.ts`), so a task does it once per pipe.
 *
 * This reads RxJS's file layout, an internal: it is pinned to RxJS 7 (`dist/cjs`, `dist/esm`,
 * `dist/esm5`, or `src/…ts` through source maps) by `test/streams/stateful-operator.test.ts`.
 * Not seen, and documented as such in streams/README.md:
 * - operators built on a stateless module: `skip` (RxJS's `filter` over its index argument), and
 *   index arguments of `map`, `filter`, `tap`, `mergeMap`… (a closure of the user's);
 * - RxJS bundled into one file with the application (no RxJS module paths on the stack).
 */

/** A stateful RxJS operator found in a pipe's chain. */
export interface StatefulOperator {
  /** The operators the module implements, as the user wrote them (`scan, reduce, count, min, max`). */
  readonly operators: string;
  /** The RxJS module file seen on the stack (`operators/scanInternals.js`). */
  readonly module: string;
  /** Why it cannot run per batch, and what to use instead. */
  readonly advice: string;
}

const aggregate = 'keeps an accumulator across records — aggregate with groupByKey().aggregate(), reduce() or count() instead';
const dedupe = 'remembers earlier records — keep what was seen in a table (toTable() drops unchanged updates) or a store of process()';
const time = 'emits by timing across records, which per-batch processing ties to how records were fetched — use windowedBy(…) with emit: "onWindowClose" or suppress()';
const switching = 'drops or cancels a record\'s work when another record arrives, which depends on how records were fetched — use mergeMap or concatMap';

/** By RxJS module basename (`internal/operators/<name>.js`): the stateful operators it implements. */
const STATEFUL: ReadonlyMap<string, Omit<StatefulOperator, 'module'>> = new Map([
  ['scanInternals', { operators: 'scan, reduce, count, min, max or toArray', advice: aggregate }],
  ['mergeScan', { operators: 'mergeScan', advice: aggregate }],
  ['switchScan', { operators: 'switchScan', advice: aggregate }],
  ['distinct', { operators: 'distinct', advice: dedupe }],
  ['distinctUntilChanged', { operators: 'distinctUntilChanged or distinctUntilKeyChanged', advice: dedupe }],
  ['skipWhile', { operators: 'skipWhile', advice: 'counts records from the first of the stream — filter on the record itself instead' }],
  ['skipLast', { operators: 'skipLast', advice: 'holds the last records back — filter on the record itself instead' }],
  ['skipUntil', { operators: 'skipUntil', advice: 'drops records until a signal, restarted at every batch — filter on the record itself instead' }],
  ['switchMap', { operators: 'switchMap, switchMapTo or switchAll', advice: switching }],
  ['exhaustMap', { operators: 'exhaustMap, exhaustAll or exhaust', advice: switching }],
  ['throttle', { operators: 'throttle or throttleTime', advice: time }],
  ['audit', { operators: 'audit or auditTime', advice: time }],
  ['sample', { operators: 'sample or sampleTime', advice: time }],
]);

/** The module names `findStatefulOperator` refuses (for the pinning test). */
export const statefulOperatorModules: readonly string[] = [...STATEFUL.keys()];

// `…/rxjs/dist/cjs/internal/operators/scanInternals.js`, also `file:///…` (ESM), Windows
// separators, pnpm's `node_modules/.pnpm/rxjs@7.8.2/node_modules/rxjs/…`, and `rxjs/src/…/scan.ts`
// (RxJS's sources, for a loader that maps them).
const MODULE = /[\\/]rxjs[\\/](?:dist[\\/][\w-]+|src)[\\/]internal[\\/]operators[\\/](\w+)\.[cm]?[jt]s$/;

/**
 * The outermost stateful RxJS operator among `files` (module file names, innermost first), or
 * null. Outermost, because it is the one the user wrote: `switchScan` runs `switchMap` inside.
 */
export function findStatefulOperator(files: readonly string[]): StatefulOperator | null {
  let found: StatefulOperator | null = null;
  for (const file of files) {
    const m = MODULE.exec(file);
    const stateful = m === null ? undefined : STATEFUL.get(m[1]);
    if (stateful !== undefined) found = { ...stateful, module: `operators/${m![1]}.js` };
  }
  return found;
}

/**
 * The file names of the caller's stack frames, innermost first, up to the first frame of a function
 * named `boundary` (all frames when there is none). Reads V8's call sites rather than the formatted
 * stack: they hold the files as loaded, whatever source-map support formats, at a third of the cost.
 */
export function stackFilesUpTo(boundary: string): string[] {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  let sites: NodeJS.CallSite[];
  Error.stackTraceLimit = Infinity;
  Error.prepareStackTrace = (_, callSites) => callSites;
  try {
    Error.captureStackTrace(holder, stackFilesUpTo);
    // V8 prepares the stack when it is first read, with the prepareStackTrace of that moment.
    sites = holder.stack ?? [];
  } finally {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = prepare;
  }
  const files: string[] = [];
  for (const site of sites) {
    if (site.getFunctionName() === boundary) break;
    const file = site.getFileName();
    if (file !== undefined && file !== null) files.push(file);
  }
  return files;
}
