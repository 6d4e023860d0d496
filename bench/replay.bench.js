'use strict';
/**
 * Trace replay throughput (issues 3 and 10): a JSON Lines trace of 1,000,000 events
 * (override with LOCKDEP_BENCH_EVENTS) is written to the temp directory, then read from
 * disk these ways, interleaved, best of 5 each (the machine may be shared):
 *   - baseline: the same stream, split into lines, JSON.parse of each line (nothing else);
 *   - trace pipeline: the trace reader (UTF-8 check, parse, validation, the op each
 *     event dispatches to), events dropped;
 *   - full replay on a kernel (the pipeline plus the kernel model);
 *   - the pipeline on the same events as Python's json.dumps(ev, sort_keys=True)
 *     writes them (members sorted, so `op` is not first; a space after ':' and ','):
 *     another producer's layout, shown, no floor.
 * Floors (issue 10): the pipeline and the full replay each within 1.5x of the baseline.
 * Prints met/MISSED for both, wall and CPU.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { streamTraceFile } = require('../dist/trace/reader.js');
const { replayTraceFile } = require('../dist/trace/check.js');
const { OPS, specTable } = require('../dist/trace/ops.js');
const { fmt } = require('./util');

/** A realistic mix: two tasks on two CPUs nesting locks, irq and preempt sections, RCU readers. */
function writeTrace(file, n, sorted = false) {
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
  const plain = [
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
  // json.dumps(sort_keys=True): no name in this trace holds ',' or ':'
  const sortKeys = (line) => {
    const ev = JSON.parse(line);
    const sorted = Object.fromEntries(
      Object.keys(ev)
        .sort()
        .map((k) => [k, ev[k]]),
    );
    return JSON.stringify(sorted).replace(/([,:])/g, '$1 ');
  };
  const cycle = sorted ? plain.map(sortKeys) : plain;
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

/** Wall and CPU (user + system, all threads) milliseconds of one call. */
async function timeAsync(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms, cpu: (c.user + c.system) / 1000, result };
}

const mb = (bytes) => `${fmt(bytes / (1 << 20), 1)} MB`;

/** The baseline: read the file as a stream, split it into lines, JSON.parse each. Returns the line count. */
async function jsonParseLines(file) {
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let pending = '';
  let n = 0;
  for await (const chunk of stream) {
    const text = pending + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (nl > start) {
        JSON.parse(text.slice(start, nl));
        n++;
      }
      start = nl + 1;
    }
    pending = text.slice(start);
  }
  if (pending !== '') {
    JSON.parse(pending);
    n++;
  }
  return n;
}

/**
 * Best wall and best CPU time of each function over `rounds` interleaved rounds. The
 * machine may be shared: CPU time is what another process's load disturbs least.
 */
async function interleaved(fns, rounds) {
  const best = fns.map(() => null);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < fns.length; i++) {
      const t = await timeAsync(fns[i]);
      const b = best[i];
      if (!b) best[i] = t;
      else best[i] = { ms: Math.min(b.ms, t.ms), cpu: Math.min(b.cpu, t.cpu), result: t.result };
    }
  }
  return best;
}

/** `2.10x (floor 1.5x): met` */
function verdict(ratio, floor) {
  return `${fmt(ratio, 2)}x (floor ${floor}x): ${ratio <= floor ? 'met' : 'MISSED'}`;
}

/** A consumer that drops events after looking up the op each dispatches to. */
function dispatchOnly() {
  const specs = specTable(OPS);
  let missing = 0;
  return {
    header() {},
    event(ev) {
      if (specs.get(ev.op) === undefined) missing++;
    },
    get missing() {
      return missing;
    },
  };
}

async function run() {
  const n = Number(process.env.LOCKDEP_BENCH_EVENTS || 1000000);
  const file = path.join(os.tmpdir(), `lockdep-bench-${process.pid}.jsonl`);
  const sortedFile = path.join(os.tmpdir(), `lockdep-bench-${process.pid}-sorted.jsonl`);
  writeTrace(file, n);
  writeTrace(sortedFile, n, true);
  const size = fs.statSync(file).size;
  try {
    const consumer = dispatchOnly();
    const baseline = () => jsonParseLines(file);
    const pipeline = () => streamTraceFile(file, consumer);
    const replay = () => replayTraceFile(file);
    const sorted = () => streamTraceFile(sortedFile, consumer);
    // warm-up on every path so the JIT has seen them before any is timed
    await baseline();
    await pipeline();
    await replay();
    await sorted();
    const rssBase = process.memoryUsage().rss;
    const [b, p, r, sp] = await interleaved([baseline, pipeline, replay, sorted], 5);
    const peak = process.resourceUsage().maxRSS * 1024;
    const events = r.result.events;
    if (events !== n || p.result !== n || sp.result !== n || b.result !== n + 1 || consumer.missing)
      throw new Error(
        `replayed ${events}, parsed ${p.result} and ${sp.result}, JSON.parse ${b.result} of ${n} events`,
      );
    console.log(
      `trace: ${n.toLocaleString('en-US')} events, ${mb(size)} JSON Lines (${r.result.violations.length} violations found)`,
    );
    const rate = (t) =>
      `${fmt(t.ms)} ms wall, ${fmt(t.cpu)} ms CPU, ${fmt(n / t.ms / 1000, 2)} M events/s`;
    console.log(`baseline (read + split + JSON.parse):                         ${rate(b)}`);
    console.log(`trace pipeline (read + UTF-8 + parse + validate + op lookup): ${rate(p)}`);
    console.log(`full replay (pipeline + kernel model):                        ${rate(r)}`);
    console.log(`pipeline, json.dumps(sort_keys=True) layout:                  ${rate(sp)}`);
    const both = (t) => `wall ${verdict(t.ms / b.ms, 1.5)}; CPU ${verdict(t.cpu / b.cpu, 1.5)}`;
    console.log(`trace pipeline / JSON.parse of the same lines:                ${both(p)}`);
    console.log(`JSON Lines replay / JSON.parse of the same lines:             ${both(r)}`);
    console.log(
      `(json.dumps layout: pipeline ${fmt(sp.ms / b.ms, 2)}x wall, ${fmt(sp.cpu / b.cpu, 2)}x CPU of the baseline; no floor)`,
    );
    console.log(`RSS: ${mb(rssBase)} before, peak ${mb(peak)} (trace file ${mb(size)})`);
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(sortedFile, { force: true });
  }
}

module.exports = { run, jsonParseLines, interleaved, verdict };
if (require.main === module)
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
