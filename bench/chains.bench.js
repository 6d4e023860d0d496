'use strict';
/**
 * `lockdep chains` (issue 12): a /proc/lockdep_chains file of 200,000 chains (override
 * with LOCKDEP_BENCH_CHAINS) in the kernel's format is generated in the temp directory
 * from the classes of the bundled catalogue (every irq context, depths 1-6, a few
 * hundred distinct shapes as on a real machine, 1 chain in 20 with an unknown class),
 * then read and checked under the 8 configurations as the command does. Prints the
 * time (target: under 10 s), chains/s, distinct shapes replayed, and peak RSS for the
 * full size and for a tenth of it: memory must not grow with the file beyond the
 * failing chains kept for the report.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ChainChecker } = require('../dist/interop/chains/check.js');
const { readChainsFile } = require('../dist/interop/chains/parse.js');
const { ChainGroups } = require('../dist/interop/chains/report.js');
const { bundledClassTable } = require('../dist/interop/catalogue/lookup.js');
const { fmt } = require('./util');

const CLASSES = Object.keys(require('../dist/interop/catalogue/bundled.json').classes);

function writeChains(file, n) {
  const fd = fs.openSync(file, 'w');
  let buf = 'all lock chains:\n';
  let seed = 12345;
  const rnd = (m) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % m;
  for (let i = 0; i < n; i++) {
    const ctx = [0, 0, 0, 1, 2, 3][rnd(6)];
    const depth = 1 + rnd(6);
    buf += `irq_context: ${ctx}\n`;
    for (let d = 0; d < depth; d++) {
      const name = i % 20 === 19 && d === 0 ? `unknown_${rnd(50)}` : CLASSES[rnd(CLASSES.length)];
      buf += `[${(0x1000 + rnd(1 << 20)).toString(16).padStart(16, '0')}] ${name}\n`;
    }
    buf += '\n';
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

async function check(file) {
  const checker = new ChainChecker(bundledClassTable());
  const groups = new ChainGroups();
  let failing = 0;
  const t0 = process.hrtime.bigint();
  await readChainsFile(file, (c) => {
    const r = checker.check(c);
    if (r) {
      failing++;
      groups.add(r);
    }
  });
  groups.format(file, checker, checker.summary());
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, failing, summary: checker.summary() };
}

async function run() {
  const n = Number(process.env.LOCKDEP_BENCH_CHAINS) || 200000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockdep-chains-bench-'));
  try {
    for (const size of [Math.floor(n / 10), n]) {
      const file = path.join(dir, `chains-${size}.txt`);
      writeChains(file, size);
      const mb = fs.statSync(file).size / 1e6;
      const r = await check(file);
      const rss = process.memoryUsage().rss / 1e6;
      console.log(
        `${size.toLocaleString('en-US')} chains (${fmt(mb)} MB): ${fmt(r.ms / 1000)} s, ${fmt(size / (r.ms / 1000) / 1000)}k chains/s, ${r.summary.shapes} shapes replayed, ${r.failing.toLocaleString('en-US')} failing, ${r.summary.skipped.toLocaleString('en-US')} skipped; RSS ${fmt(rss)} MB`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };
