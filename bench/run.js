#!/usr/bin/env node
'use strict';
/**
 * Benchmark runner: `npm run bench` builds dist/ and runs every bench/*.bench.js, one
 * after another, each in a fresh Node process. Each prints its own lines; every figure
 * that matters is reported as a ratio against a baseline measured in the same bench.
 * `npm run bench -- <name>` runs only the benches whose file name contains <name>.
 *
 * Why a process per bench: in one process, a bench runs on JIT code and type feedback
 * that the benches before it shaped (the engine's cached path, compiled while the
 * replays drove it with other shapes, measured up to 1.5x slower than fresh), and on
 * their garbage. A user's process that validates one workload starts fresh too.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function runOne(file) {
  Promise.resolve()
    .then(() => require(path.join(__dirname, file)).run())
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

function main() {
  if (process.argv[2] === '--one') return runOne(process.argv[3]);
  const filter = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js') && (!filter || f.includes(filter)))
    .sort();
  if (files.length === 0) {
    console.error(`no benchmark matches ${JSON.stringify(filter)}`);
    process.exit(2);
  }
  console.log(
    `node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} at start`,
  );
  let failed = 0;
  for (const f of files) {
    console.log(`\n## ${f.replace('.bench.js', '')}`);
    const r = spawnSync(process.execPath, [__filename, '--one', f], { stdio: 'inherit' });
    if (r.status !== 0) {
      failed++;
      console.error(`bench ${f} failed (${r.signal ?? `exit ${r.status}`})`);
    }
  }
  if (failed) process.exit(1);
}

main();
