#!/usr/bin/env node
'use strict';
/**
 * Benchmark runner: `npm run bench` builds dist/ and runs every bench/*.bench.js in
 * one process, one after another. Each prints its own lines; every figure that
 * matters is reported as a ratio against a baseline measured in the same run.
 * `npm run bench -- <name>` runs only the benches whose file name contains <name>.
 */
const fs = require('fs');
const path = require('path');
const { gcFn } = require('./util');

async function main() {
  const filter = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js') && (!filter || f.includes(filter)))
    .sort();
  if (files.length === 0) {
    console.error(`no benchmark matches ${JSON.stringify(filter)}`);
    process.exit(2);
  }
  const os = require('os');
  console.log(
    `node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} at start`,
  );
  // Each bench starts from a collected heap: one bench's garbage (the replays keep
  // hundreds of MB) must not be collected on the next one's time.
  const gc = gcFn();
  for (const f of files) {
    if (gc) gc();
    console.log(`\n## ${f.replace('.bench.js', '')}`);
    await require(path.join(__dirname, f)).run();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
