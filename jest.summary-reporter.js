'use strict';
/**
 * Prints one plain closing line after Jest's own summary, `tests: N passed, N failed,
 * N skipped`, for tools that read a run's last line. Written at process exit so it comes
 * after Jest's summary block.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.once('exit', () => process.stderr.write(line));
  }
}
module.exports = SummaryReporter;
