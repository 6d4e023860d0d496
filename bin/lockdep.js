#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI lives in the compiled library (npm ci runs `prepare`, which builds dist/).
let main;
try {
  main = require('../dist/cli/main.js').main;
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND') {
    process.stderr.write(
      'lockdep: dist/ is missing; run `npm run build` (npm ci does it for you)\n',
    );
    process.exit(2);
  }
  throw err;
}
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
