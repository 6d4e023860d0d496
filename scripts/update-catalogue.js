#!/usr/bin/env node
'use strict';
/**
 * Regenerate the bundled lock-class catalogue (src/interop/catalogue/bundled.json) by
 * running `lockdep catalogue` on the kernel source files kept under
 * __tests__/fixtures/kernel-src/linux (their origin and version: SOURCES.md there).
 * Usage: `npm run build && node scripts/update-catalogue.js`, then `npm run build` again.
 */
const path = require('path');
const { main } = require('../dist/cli/main.js');

const root = path.join(__dirname, '..');
process.chdir(root);
const OUT = 'src/interop/catalogue/bundled.json';

main(['catalogue', '__tests__/fixtures/kernel-src/linux', '--quiet', '--force', '-o', OUT], {
  stdout: process.stdout,
  stderr: process.stderr,
}).then((code) => {
  process.exitCode = code;
  // the repository's JSON is prettier-formatted (npm run lint checks it)
  if (code === 0)
    require('child_process').execFileSync('npx', ['prettier', '--write', OUT], {
      stdio: 'inherit',
    });
});
