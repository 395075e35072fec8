/**
 * `sluice test --update`: writes each case's actual records into its test file as the new
 * expectations — `records` and `records_in_any_order` lists (key and value of each record, one
 * flow mapping per line) and `count`s — keeping the rest of the file, comments included, as it
 * was. Conditions and store expectations are left alone: they are the author's to write.
 */
import fs from 'node:fs';
import { isMap, isSeq, parseDocument, YAMLSeq, type Document } from 'yaml';
import { isTestFileName } from './load-test-file.js';
import type { SuiteResult } from './run-test-suite.js';
import type { ActualRecord, TestSuite } from './test-case.js';

/** Rewrites `suite`'s file with the actual records of `result`; returns how many expectations changed. */
export function updateExpectations(suite: TestSuite, result: SuiteResult): number {
  const text = fs.readFileSync(suite.file, 'utf8');
  const doc = parseDocument(text, { keepSourceTokens: false });
  const list = isTestFileName(suite.file) ? 'cases' : 'tests';
  let changed = 0;
  suite.cases.forEach((c, i) => {
    const actualByTopic = result.cases[i]?.actual;
    if (!actualByTopic) return;
    for (const e of c.expect) {
      const actual = actualByTopic.get(e.topic) ?? [];
      const at = [list, i, 'expect', e.topic];
      for (const field of ['records', 'records_in_any_order'] as const) {
        if (!doc.hasIn([...at, field])) continue;
        const before = JSON.stringify(doc.getIn([...at, field]));
        doc.setIn([...at, field], recordsNode(doc, actual));
        if (JSON.stringify(doc.getIn([...at, field])) !== before) changed++;
      }
      if (doc.hasIn([...at, 'count']) && doc.getIn([...at, 'count']) !== actual.length) {
        doc.setIn([...at, 'count'], actual.length);
        changed++;
      }
    }
  });
  if (changed > 0) fs.writeFileSync(suite.file, doc.toString({ lineWidth: 0 }));
  return changed;
}

function recordsNode(doc: Document, records: readonly ActualRecord[]): YAMLSeq {
  const seq = new YAMLSeq();
  for (const r of records) {
    const node = doc.createNode({ key: r.key, value: r.value });
    if (isMap(node) || isSeq(node)) node.flow = true;
    seq.items.push(node);
  }
  return seq;
}
