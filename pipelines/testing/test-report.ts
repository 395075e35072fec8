/**
 * Reports of `sluice test`: a concise text report (a line per case; for a failure, where and why,
 * and a diff of expected `-` against actual `+` records), or JUnit XML for CI systems.
 */
import type { PipelineProblem } from '../errors.js';
import { formatProblem } from '../errors.js';
import type { SuiteResult } from './run-test-suite.js';

/** A test file that could not be read: its problems instead of results. */
export interface InvalidSuite {
  readonly file: string;
  readonly problems: readonly PipelineProblem[];
}

export interface TestTotals {
  passed: number;
  failed: number;
  invalid: number;
  durationMs: number;
}

export function totalsOf(results: readonly SuiteResult[], invalid: readonly InvalidSuite[]): TestTotals {
  const cases = results.flatMap((r) => r.cases);
  return {
    passed: cases.filter((c) => c.failures.length === 0).length,
    failed: cases.filter((c) => c.failures.length > 0).length,
    invalid: invalid.length,
    durationMs: cases.reduce((sum, c) => sum + c.durationMs, 0),
  };
}

/** The text report. */
export function textReport(results: readonly SuiteResult[], invalid: readonly InvalidSuite[]): string {
  const lines: string[] = [];
  for (const s of invalid) {
    lines.push(`${s.file}: invalid test file`);
    for (const p of s.problems) lines.push(`  ${formatProblem(p)}`);
  }
  for (const suite of results) {
    lines.push(suite.file);
    for (const c of suite.cases) {
      const ms = `(${c.durationMs.toFixed(0)} ms)`;
      if (c.failures.length === 0) {
        lines.push(`  ✓ ${c.name} ${ms}`);
        continue;
      }
      lines.push(`  ✗ ${c.name} ${ms}`);
      for (const f of c.failures) {
        const [first, ...rest] = f.message.split('\n');
        lines.push(`      ${f.at.file}:${f.at.line}:${f.at.column}: ${first}`, ...rest.map((l) => `        ${l}`));
        for (const d of f.diff ?? []) lines.push(`        ${d}`);
      }
    }
  }
  const t = totalsOf(results, invalid);
  const parts = [`${t.passed} passed`, ...(t.failed > 0 ? [`${t.failed} failed`] : []), ...(t.invalid > 0 ? [`${t.invalid} invalid file${t.invalid === 1 ? '' : 's'}`] : [])];
  lines.push('', `${parts.join(', ')} (${t.passed + t.failed} case${t.passed + t.failed === 1 ? '' : 's'} in ${t.durationMs.toFixed(0)} ms)`);
  return `${lines.join('\n')}\n`;
}

/** JUnit XML (the Ant/Jenkins dialect CI systems read): a test suite per file, a test case per case. */
export function junitReport(results: readonly SuiteResult[], invalid: readonly InvalidSuite[]): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const t = totalsOf(results, invalid);
  out.push(`<testsuites name="sluice test" tests="${t.passed + t.failed + t.invalid}" failures="${t.failed}" errors="${t.invalid}" time="${seconds(t.durationMs)}">`);
  for (const s of invalid) {
    out.push(`  <testsuite name="${xml(s.file)}" tests="1" failures="0" errors="1">`);
    out.push(`    <testcase name="load" classname="${xml(s.file)}">`);
    out.push(`      <error message="invalid test file">${xml(s.problems.map(formatProblem).join('\n'))}</error>`);
    out.push('    </testcase>', '  </testsuite>');
  }
  for (const suite of results) {
    const failed = suite.cases.filter((c) => c.failures.length > 0).length;
    const time = suite.cases.reduce((sum, c) => sum + c.durationMs, 0);
    out.push(`  <testsuite name="${xml(suite.file)}" tests="${suite.cases.length}" failures="${failed}" errors="0" time="${seconds(time)}">`);
    for (const c of suite.cases) {
      const open = `    <testcase name="${xml(c.name)}" classname="${xml(suite.file)}" file="${xml(c.at.file)}" line="${c.at.line}" time="${seconds(c.durationMs)}"`;
      if (c.failures.length === 0) {
        out.push(`${open}/>`);
        continue;
      }
      const body = c.failures.map((f) => [`${f.at.file}:${f.at.line}:${f.at.column}: ${f.message}`, ...(f.diff ?? [])].join('\n')).join('\n\n');
      out.push(`${open}>`, `      <failure message="${xml(c.failures[0].message.split('\n')[0])}">${xml(body)}</failure>`, '    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function xml(text: string): string {
  // Characters XML 1.0 cannot hold at all are dropped; the five special ones escaped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
