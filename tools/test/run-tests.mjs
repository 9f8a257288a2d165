#!/usr/bin/env node
// `npm test`: builds every project, lints them (two at a time: lint is CPU work only) and tests them one at a time
// (Nx; the integration tests share one broker and one machine). Then it prints the failed tests, if any, and one
// closing line with the totals of all vitest runs ("tests: N passed, N failed, N skipped"). Exits non-zero when
// anything failed or when no test ran at all. The integration tests need the local Kafka broker: if it is not
// running, it is started (deploy/local/kafka.sh, which fetches its jars from Maven Central the first time) and
// stopped again at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const results = join(root, '.test-results');
const nx = (...args) =>
  spawnSync('npx', ['nx', 'run-many', ...args, '--output-style=stream'], { cwd: root, stdio: 'inherit' }).status;

const kafka = (command) =>
  spawnSync(join(root, 'deploy', 'local', 'kafka.sh'), [command], { cwd: root, stdio: 'inherit' }).status;

rmSync(results, { recursive: true, force: true });
const startedKafka = kafka('status') !== 0;
if (startedKafka && kafka('start') !== 0) {
  console.error('npm test: could not start the local Kafka broker (deploy/local/kafka.sh start); see the lines above');
  process.exit(1);
}
let buildStatus = 1;
let lintStatus = 1;
let testStatus = 1;
try {
  buildStatus = nx('-t', 'build');
  if (buildStatus === 0) {
    lintStatus = nx('-t', 'lint', '--parallel=2');
    testStatus = nx('-t', 'test', '--parallel=1');
  }
} finally {
  if (startedKafka) kafka('stop');
}

let passed = 0;
let failed = 0;
let skipped = 0;
let brokenSuites = 0;
const failures = [];
for (const file of existsSync(results) ? readdirSync(results).filter((name) => name.endsWith('.json')) : []) {
  const report = JSON.parse(readFileSync(join(results, file), 'utf8'));
  if (!Array.isArray(report.testResults)) continue; // another test's artifact, not a vitest report
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  // A spec file that fails to load has no failed tests, only a failed suite.
  brokenSuites += report.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length;
  // vitest fails a project with no spec file at all (its report is empty and not a success)
  if (report.numTotalTestSuites === 0 && report.success === false)
    failures.push(
      `${file.replace(/\.json$/, '').replace(/_/g, '/')}: no test files (vitest fails a project without specs)`,
    );
  for (const suite of report.testResults) {
    for (const test of suite.assertionResults.filter((result) => result.status === 'failed')) {
      const firstLine = (test.failureMessages[0] ?? '').split('\n')[0].slice(0, 400);
      failures.push(`${suite.name.replace(`${root}/`, '')} > ${test.fullName}\n    ${firstLine}`);
    }
    if (suite.status === 'failed' && suite.assertionResults.length === 0)
      failures.push(`${suite.name.replace(`${root}/`, '')}: ${suite.message.split('\n')[0]}`);
  }
}
// CI shows only the tail of the output: name what failed here, next to the totals.
if (failures.length > 0) console.log(`failed:\n${failures.map((line) => `  ${line}`).join('\n')}`);
if (failures.length === 0 && (buildStatus !== 0 || lintStatus !== 0 || testStatus !== 0))
  console.log('failed: a build, lint or test task failed without a failing test: see Nx\'s "Failed tasks" above');
const broken = brokenSuites > 0 ? `, ${brokenSuites} spec files failed to load` : '';
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped${broken}`);
process.exit(
  buildStatus !== 0 || lintStatus !== 0 || testStatus !== 0 || failed > 0 || brokenSuites > 0 || passed === 0 ? 1 : 0,
);
