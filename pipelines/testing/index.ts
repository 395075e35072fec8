export { findTestFiles, runTests, type TestRun } from './run-tests.js';
export { isTestFileName, loadTestFile } from './load-test-file.js';
export { runTestSuite, type CaseResult, type RunTestSuiteOptions, type SuiteResult } from './run-test-suite.js';
export { junitReport, textReport, totalsOf, type InvalidSuite, type TestTotals } from './test-report.js';
export { testFileSchema, testCaseSchema, TEST_FILE_SCHEMA_ID } from './test-file-schema.js';
export type { ActualRecord, ExpectedRecord, InputRecord, StoreExpectation, TestCase, TestSuite, TopicExpectation } from './test-case.js';
export type { Failure } from './check-expectations.js';
export { updateExpectations } from './update-expectations.js';
