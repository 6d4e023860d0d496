'use strict';
/**
 * `lockdep check --from-ftrace` (issues 6, 10, 15).
 *
 * 1. Import cost against the cost of reading the same file and splitting it into lines
 *    (the file streamed in the same 1 MiB chunks, decoded as UTF-8 and cut into one string
 *    per line: the least any importer must do), on a `trace-cmd report` style text of
 *    3,000,000 lock events from 50 tasks on 4 CPUs with irq_handler_entry/exit (override
 *    with LOCKDEP_BENCH_FTRACE_EVENTS). The import is what `check --from-ftrace` does
 *    before the replay (convertFtraceFile): read, check the encoding, parse and convert
 *    every line to trace events, in one pass. Floor: 2x.
 * 2. Memory bound: peak RSS of 1M and 3M lock events; growth must stay far below the file.
 * 3. Linear time on hostile lines: parse time of a line of 10n blanks over one of n
 *    (ftrace line scanner, log-line cleaning, the line reader on a line cut into chunks).
 *    Linear is ~10; a quadratic pattern gives ~100.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const {
  checkFtraceFile,
  convertFtraceFile,
  FtraceConverter,
} = require('../dist/interop/ftrace.js');
const { cleanLine } = require('../dist/interop/lines.js');
const { LineSplitter } = require('../dist/interop/lineReader.js');
const { scanEventBytes, newScan } = require('../dist/interop/ftraceLine.js');
const { fmt } = require('./util');

const CPUS = 4;
const TASKS = 50;

/** One task's repeating pattern: nested locks, RCU + a trylock, and an irq with its own lock. */
function cycleFor(t, k) {
  const cpu = t % CPUS;
  const task = `worker/${t}-${100 + t}`;
  const pad = task.padStart(16);
  const c = `[${String(cpu).padStart(3, '0')}]`;
  const inst = (n) => `0xffff8881${String(t).padStart(2, '0')}${String(n).padStart(6, '0')}`;
  // 8 lock instances per task and class: memory must not depend on the event count
  const i = k % 8;
  return [
    [pad, c, `lock_acquire:         ${inst(i)} &p->pi_lock`],
    [pad, c, `lock_acquire:         0xffffffff8306a${cpu}00 &rq->__lock`],
    [pad, c, `lock_release:         0xffffffff8306a${cpu}00 &rq->__lock`],
    [pad, c, `lock_release:         ${inst(i)} &p->pi_lock`],
    [pad, c, `lock_acquire:         0xffffffff82000000 read rcu_read_lock`],
    [pad, c, `lock_acquire:         ${inst(100 + i)} try &zone->lock`],
    [pad, c, `lock_release:         ${inst(100 + i)} &zone->lock`],
    [pad, c, `lock_release:         0xffffffff82000000 rcu_read_lock`],
    [pad, c, `irq_handler_entry:    irq=${24 + cpu} name=eth${cpu}`],
    [pad, c, `lock_acquire:         ${inst(200)} &bench_dev->lock`],
    [pad, c, `lock_release:         ${inst(200)} &bench_dev->lock`],
    [pad, c, `irq_handler_exit:     irq=${24 + cpu} ret=handled`],
  ];
}
const LOCK_EVENTS_PER_CYCLE = 10;

function writeTrace(file, lockEvents) {
  const fd = fs.openSync(file, 'w');
  let ts = 100;
  let buf = `cpus=${CPUS}\n`;
  let written = 0;
  for (let k = 0; written < lockEvents; k++) {
    for (let t = 0; t < TASKS && written < lockEvents; t++) {
      for (const [pad, c, ev] of cycleFor(t, k)) {
        ts += 0.000001;
        buf += `${pad}  ${c}  ${ts.toFixed(6)}: ${ev}\n`;
      }
      written += LOCK_EVENTS_PER_CYCLE;
    }
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
  return written;
}

const mb = (bytes) => `${fmt(bytes / (1 << 20), 1)} MB`;
const now = () => process.hrtime.bigint();
const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * The baseline: stream the file in 1 MiB chunks (as the import does), decoded as UTF-8,
 * and cut it into one string per line. The last line string is returned so that no line
 * can be optimized away.
 */
function readAndSplit(file) {
  return new Promise((resolve, reject) => {
    let rest = '';
    let lines = 0;
    let chars = 0;
    let last = '';
    const input = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
    input.on('data', (chunk) => {
      const text = rest + chunk;
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        last = text.slice(from, nl);
        chars += last.length;
        lines++;
        from = nl + 1;
      }
      rest = text.slice(from);
    });
    input.on('error', reject);
    input.on('end', () => resolve({ lines, chars, last }));
  });
}

/**
 * The import alone, as `check --from-ftrace` runs it before the replay: stream the file in
 * 1 MiB chunks, check the encoding, parse every line and convert it to trace events.
 */
async function convertOnly(file) {
  const t0 = now();
  const c = new FtraceConverter();
  let events = 0;
  await convertFtraceFile(file, c, (_evs, count) => {
    events += count;
  });
  return { ms: msSince(t0), events };
}

async function importOnce(file, events) {
  const t0 = now();
  const r = await checkFtraceFile(file);
  const ms = msSince(t0);
  if (r.summary.lockEvents !== events)
    throw new Error(`imported ${r.summary.lockEvents} of ${events} lock events`);
  return { ms, r, peak: process.resourceUsage().maxRSS * 1024 };
}

async function measure(n) {
  const file = path.join(os.tmpdir(), `lockdep-ftrace-bench-${process.pid}-${n}.txt`);
  const events = writeTrace(file, n);
  const size = fs.statSync(file).size;
  try {
    // interleaved, best of 5 each: the machine is shared and noisy. Wall time decides;
    // the process's CPU time is printed too (less disturbed by other processes).
    let base = Infinity;
    let conv = Infinity;
    let baseCpu = Infinity;
    let convCpu = Infinity;
    for (let round = 0; round < 5; round++) {
      let t0 = now();
      let c0 = cpuMs();
      await readAndSplit(file);
      base = Math.min(base, msSince(t0));
      baseCpu = Math.min(baseCpu, cpuMs() - c0);
      t0 = now();
      c0 = cpuMs();
      await convertOnly(file);
      conv = Math.min(conv, msSince(t0));
      convCpu = Math.min(convCpu, cpuMs() - c0);
    }
    const last = await importOnce(file, events);
    return { events, size, base, conv, baseCpu, convCpu, ms: last.ms, peak: last.peak, r: last.r };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Best-of-3 milliseconds of fn(). */
function best(fn) {
  let b = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    fn();
    b = Math.min(b, msSince(t0));
  }
  return b;
}

/** Time of a hostile input of size 10n over size n, for each parser. */
function linearity(n) {
  const out = [];
  const line = (k) => `a${' '.repeat(k)}-`; // the old `^\s*(.+?)-` backtracked over every blank
  const conv = new FtraceConverter();
  const ftrace = (k) => {
    const s = line(k);
    return () => conv.line(s, 1);
  };
  const bytes = (k) => {
    // the byte scanner of file lines: every `-` a candidate task column that reads a pid
    const b = Buffer.from(`x${'-1 '.repeat(Math.round(k / 3))}`, 'latin1');
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    const scan = newScan();
    return () => scanEventBytes(b, dv, 0, b.length, scan);
  };
  const clean = (k) => {
    const s = `x${' '.repeat(k)}!${' '.repeat(k)}`; // trailing blanks after a non-blank
    return () => cleanLine(s);
  };
  const reader = (k) => {
    // one line of k bytes in 64 KiB chunks: the old reader rescanned the pending text each
    // time. Sizes of 10 MB and more: a smaller line sits in the CPU cache and finishes
    // disproportionately fast, which would inflate the ratio.
    const chunk = Buffer.alloc(1 << 16, 0x61);
    const chunks = Math.max(1, Math.round(k / chunk.length));
    return () => {
      const s = new LineSplitter('<bench>', () => {}, 1 << 30);
      for (let i = 0; i < chunks; i++) s.push(chunk);
      s.push(Buffer.from('\n'));
      s.end();
    };
  };
  for (const [name, make, size] of [
    ['ftrace line scanner', ftrace, n],
    ['ftrace byte scanner (file lines), a `-` every 3 bytes', bytes, 10 * n],
    ['log line cleaning', clean, n],
    ['line reader, one long line', reader, 250 * n],
  ]) {
    const small = best(make(size));
    const large = best(make(10 * size));
    out.push({ name, size, small, large, ratio: large / small });
  }
  return out;
}

async function run() {
  const n3 = Number(process.env.LOCKDEP_BENCH_FTRACE_EVENTS || 3000000);
  const n1 = Math.max(1, Math.round(n3 / 3));
  const rssBase = process.memoryUsage().rss;
  await measure(Math.min(20000, n1)); // warm the JIT on the same path
  const a = await measure(n1);
  const b = await measure(n3);
  for (const m of [a, b]) {
    console.log(
      `ftrace: ${m.events.toLocaleString('en-US')} lock events (${m.r.summary.lines.toLocaleString('en-US')} lines, ${mb(m.size)}), ${m.r.summary.tasks} tasks on ${CPUS} CPUs: ${fmt(m.ms)} ms, ${fmt(m.events / m.ms / 1000, 2)} M lock events/s, peak RSS ${mb(m.peak)} (${m.r.result.violations.length} violations)`,
    );
  }
  const ratio = b.conv / b.base;
  console.log(
    `ftrace import (read 1 MiB chunks, check encoding, parse, convert to events; one pass) / read+split (read 1 MiB chunks, decode UTF-8, one string per line), ${b.events.toLocaleString('en-US')} lock events, ${TASKS} tasks: ${fmt(b.conv)} ms / ${fmt(b.base)} ms = ${fmt(ratio, 2)}x (floor 2x: ${ratio <= 2 ? 'met' : 'MISSED'}); CPU time ${fmt(b.convCpu)} ms / ${fmt(b.baseCpu)} ms = ${fmt(b.convCpu / b.baseCpu, 2)}x`,
  );
  console.log(
    `ftrace import + replay (check --from-ftrace) / read+split: ${fmt(b.ms)} ms / ${fmt(b.base)} ms = ${fmt(b.ms / b.base, 2)}x (the replay is the engine's cost; no floor)`,
  );
  console.log(
    `RSS before ${mb(rssBase)}; growth ${fmt(a.events / 1e6, 1)}M -> ${fmt(b.events / 1e6, 1)}M events: ${mb(b.peak - a.peak)} for a ${fmt(b.size / a.size, 1)}x larger file (bounded memory: growth << file size)`,
  );
  for (const l of linearity(40000)) {
    console.log(
      `linear time, ${l.name}: ${l.size.toLocaleString('en-US')} -> ${(10 * l.size).toLocaleString('en-US')} bytes: ${fmt(l.small, 2)} ms -> ${fmt(l.large, 2)} ms = ${fmt(l.ratio, 1)}x (linear ~10, quadratic ~100: ${l.ratio < 30 ? 'met' : 'MISSED'})`,
    );
  }
}

module.exports = { run };
if (require.main === module)
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
