'use strict';
/**
 * Trace replay throughput (issue 3): a JSON Lines trace of 1,000,000 events (override
 * with LOCKDEP_BENCH_EVENTS) is written to the temp directory, then read twice from
 * disk through the same streaming reader: parse-only (JSON + schema validation, events
 * dropped) and full replay on a kernel. Prints events/s for both, their ratio, and
 * peak RSS. Target: replay >= 1M events/s and within 2x of parse-only time.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { streamTraceFile } = require('../dist/trace/reader.js');
const { replayTraceFile } = require('../dist/trace/check.js');
const { fmt } = require('./util');

/** A realistic mix: two tasks on two CPUs nesting locks, irq and preempt sections, RCU readers. */
function writeTrace(file, n) {
  const header = {
    'lockdep-trace': 1,
    description: 'replay benchmark',
    config: { preempt: 'full', proveRawLockNesting: true },
    locks: {
      raw_a: { type: 'raw_spinlock' },
      spin_b: { type: 'spinlock' },
      rw_c: { type: 'rwlock' },
      mutex_d: { type: 'mutex' },
    },
  };
  const cycle = [
    '{"op":"lock","lock":"mutex_d"}',
    '{"op":"lock","lock":"spin_b"}',
    '{"op":"lock","lock":"raw_a"}',
    '{"op":"unlock","lock":"raw_a"}',
    '{"op":"unlock","lock":"spin_b"}',
    '{"op":"unlock","lock":"mutex_d"}',
    '{"op":"irq_disable","task":"worker","cpu":1}',
    '{"op":"lock","lock":"rw_c","read":true,"task":"worker","cpu":1}',
    '{"op":"lock","lock":"rcu_read_lock","task":"worker","cpu":1}',
    '{"op":"unlock","lock":"rcu_read_lock","task":"worker","cpu":1}',
    '{"op":"unlock","lock":"rw_c","task":"worker","cpu":1}',
    '{"op":"irq_enable","task":"worker","cpu":1}',
    '{"op":"preempt_disable"}',
    '{"op":"lock","lock":"raw_a"}',
    '{"op":"unlock","lock":"raw_a"}',
    '{"op":"preempt_enable"}',
  ];
  const fd = fs.openSync(file, 'w');
  let buf = `${JSON.stringify(header)}\n`;
  for (let i = 0; i < n; i++) {
    buf += `${cycle[i % cycle.length]}\n`;
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

async function timeAsync(fn) {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

const mb = (bytes) => `${fmt(bytes / (1 << 20), 1)} MB`;

async function run() {
  const n = Number(process.env.LOCKDEP_BENCH_EVENTS || 1000000);
  const file = path.join(os.tmpdir(), `lockdep-bench-${process.pid}.jsonl`);
  writeTrace(file, n);
  const size = fs.statSync(file).size;
  try {
    // warm-up on both paths so the JIT has seen them before either is timed
    const parseOnly = () => streamTraceFile(file, { header() {}, event() {} });
    const replay = () => replayTraceFile(file);
    const best = async (fn, rounds) => {
      let b = null;
      for (let i = 0; i < rounds; i++) {
        const t = await timeAsync(fn);
        if (!b || t.ms < b.ms) b = t;
      }
      return b;
    };
    await parseOnly();
    const rssBase = process.memoryUsage().rss;
    const p = await best(parseOnly, 3);
    const rssAfterParse = process.resourceUsage().maxRSS * 1024;
    const r = await best(replay, 3);
    const peak = process.resourceUsage().maxRSS * 1024;
    const events = r.result.events;
    if (events !== n || p.result !== n)
      throw new Error(`replayed ${events} and parsed ${p.result} of ${n} events`);
    console.log(
      `trace: ${n.toLocaleString('en-US')} events, ${mb(size)} JSON Lines (${r.result.violations.length} violations found)`,
    );
    console.log(
      `parse only (read + JSON + validate): ${fmt(p.ms)} ms, ${fmt(n / p.ms / 1000, 2)} M events/s`,
    );
    console.log(
      `full replay (parse + kernel model):  ${fmt(r.ms)} ms, ${fmt(n / r.ms / 1000, 2)} M events/s`,
    );
    console.log(
      `replay / parse-only time: ${fmt(r.ms / p.ms, 2)}x (target <= 2x); replay throughput target >= 1 M events/s`,
    );
    console.log(
      `RSS: ${mb(rssBase)} before, peak ${mb(rssAfterParse)} after parse-only, peak ${mb(peak)} after replay (trace file ${mb(size)})`,
    );
  } finally {
    fs.rmSync(file, { force: true });
  }
}

module.exports = { run };
if (require.main === module)
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
