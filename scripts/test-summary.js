#!/usr/bin/env node
// Prints the run's closing line in the plain "N passed, N failed" form.
'use strict';
const fs = require('node:fs');
const file = process.argv[2];
let report;
try {
  report = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`no test report at ${file}: ${err.message}`);
  process.exit(1);
}
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
process.exit(report.numTotalTests > 0 && report.numFailedTests === 0 ? 0 : 1);
