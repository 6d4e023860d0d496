'use strict';
/**
 * `lockdep check --from-ftrace` throughput and memory (issue 6): a `trace-cmd report`
 * style text with lock:lock_acquire/lock_release, irq_handler_entry/exit and
 * softirq_entry/exit on 4 CPUs is written to the temp directory (1,000,000 and
 * 3,000,000 lock events; override the first with LOCKDEP_BENCH_FTRACE_EVENTS), then
 * imported and replayed through checkFtraceFile (two streamed passes). Prints events/s
 * and peak RSS for both sizes: memory must not grow with the trace (bounded by lock
 * instances, tasks and CPUs), so the 3M peak should stay close to the 1M peak.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { checkFtraceFile } = require('../dist/interop/ftrace.js');
const { fmt } = require('./util');

const CPUS = 4;

/** One CPU's repeating pattern: a task nesting two locks, RCU + zone lock, and an irq with its own lock. */
function cycleFor(cpu, k) {
  const task = `worker/${cpu}-${100 + cpu}`;
  const pad = task.padStart(16);
  const c = `[${String(cpu).padStart(3, '0')}]`;
  const inst = (n) => `0xffff8881${String(cpu).padStart(2, '0')}${String(n).padStart(6, '0')}`;
  // 8 lock instances per CPU and class: memory must not depend on the event count
  const i = k % 8;
  return [
    [task, pad, c, `lock_acquire:         ${inst(i)} &p->pi_lock`],
    [task, pad, c, `lock_acquire:         0xffffffff8306a${cpu}00 &rq->__lock`],
    [task, pad, c, `lock_release:         0xffffffff8306a${cpu}00 &rq->__lock`],
    [task, pad, c, `lock_release:         ${inst(i)} &p->pi_lock`],
    [task, pad, c, `lock_acquire:         0xffffffff82000000 read rcu_read_lock`],
    [task, pad, c, `lock_acquire:         ${inst(100 + i)} try &zone->lock`],
    [task, pad, c, `lock_release:         ${inst(100 + i)} &zone->lock`],
    [task, pad, c, `lock_release:         0xffffffff82000000 rcu_read_lock`],
    [task, pad, c, `irq_handler_entry:    irq=${24 + cpu} name=eth${cpu}`],
    [task, pad, c, `lock_acquire:         ${inst(200)} &bench_dev->lock`],
    [task, pad, c, `lock_release:         ${inst(200)} &bench_dev->lock`],
    [task, pad, c, `irq_handler_exit:     irq=${24 + cpu} ret=handled`],
  ];
}
const LOCK_EVENTS_PER_CYCLE = 10;

function writeTrace(file, lockEvents) {
  const fd = fs.openSync(file, 'w');
  let ts = 100;
  let buf = `cpus=${CPUS}\n`;
  let written = 0;
  for (let k = 0; written < lockEvents; k++) {
    for (let cpu = 0; cpu < CPUS && written < lockEvents; cpu++) {
      for (const [, pad, c, ev] of cycleFor(cpu, k)) {
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

async function measure(n) {
  const file = path.join(os.tmpdir(), `lockdep-ftrace-bench-${process.pid}-${n}.txt`);
  const events = writeTrace(file, n);
  const size = fs.statSync(file).size;
  try {
    const t0 = process.hrtime.bigint();
    const r = await checkFtraceFile(file);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const peak = process.resourceUsage().maxRSS * 1024;
    if (r.summary.lockEvents !== events)
      throw new Error(`imported ${r.summary.lockEvents} of ${events} lock events`);
    return {
      events,
      size,
      ms,
      peak,
      lines: r.summary.lines,
      violations: r.result.violations.length,
      unknown: r.summary.unknownLocks,
    };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

async function run() {
  const n1 = Number(process.env.LOCKDEP_BENCH_FTRACE_EVENTS || 1000000);
  const rssBase = process.memoryUsage().rss;
  const small = await measure(Math.min(20000, n1)); // warm the JIT on the same path
  const a = await measure(n1);
  const b = await measure(3 * n1);
  for (const m of [a, b]) {
    console.log(
      `ftrace: ${m.events.toLocaleString('en-US')} lock events (${m.lines.toLocaleString('en-US')} lines, ${mb(m.size)}), 4 CPUs: ${fmt(m.ms)} ms, ${fmt(m.events / m.ms / 1000, 2)} M lock events/s, peak RSS ${mb(m.peak)} (${m.violations} violations, unknown names: ${m.unknown.map((u) => (typeof u === 'string' ? u : u.name)).join(', ') || 'none'})`,
    );
  }
  console.log(
    `RSS before ${mb(rssBase)}; peak after ${small.events} warm-up events ${mb(small.peak)}; growth 1M -> 3M events: ${mb(b.peak - a.peak)} for a ${fmt(b.size / a.size, 1)}x larger file (bounded memory: growth << file size)`,
  );
  console.log(
    `throughput ratio 3M / 1M: ${fmt(b.events / b.ms / (a.events / a.ms), 2)} (linear scaling ~ 1)`,
  );
}

module.exports = { run };
if (require.main === module)
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
