'use strict';
/**
 * The bundled kvfree_rcu scenarios (examples/scenarios/*.json) replayed at scale (issue
 * 10): each scenario's setup, then its body around the kfree_rcu()/kvfree_rcu() call
 * repeated, with its run_workers step every 512 calls, to 1,000,000 calls in all
 * (LOCKDEP_BENCH_CALLS), written as JSON Lines and replayed from disk under each
 * scenario's own config. Prints calls/s, the ratio to JSON.parse of the same lines
 * (measured in the same run), and peak RSS.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { replayTraceFile } = require('../dist/trace/check.js');
const { jsonParseLines, interleaved } = require('./replay.bench.js');
const { fmt } = require('./util');

const DIR = path.join(__dirname, '..', 'examples', 'scenarios');
const CALLS = new Set(['kfree_rcu', 'kvfree_rcu_headless']);

/** Write one scenario scaled to `calls` calls; returns the file and its event count. */
function scale(name, calls) {
  const doc = JSON.parse(fs.readFileSync(path.join(DIR, name), 'utf8'));
  const { events, expect: _expect, ...header } = doc;
  void _expect;
  const first = events.findIndex((e) => CALLS.has(e.op));
  const workers = events.findIndex((e, i) => i > first && e.op === 'run_workers');
  // the body: from the first event after setup that wraps the call, to the call's last wrapper
  let start = first;
  while (start > 0 && ['lock', 'softirq_enter'].includes(events[start - 1].op)) start--;
  const end = workers < 0 ? events.length : workers;
  const setup = events.slice(0, start).map((e) => JSON.stringify(e));
  const body = events.slice(start, end).map((e) => JSON.stringify(e));
  const tick = workers < 0 ? null : JSON.stringify(events[workers]);
  const file = path.join(os.tmpdir(), `lockdep-kvfree-${process.pid}-${name}l`);
  const fd = fs.openSync(file, 'w');
  let buf = `${JSON.stringify(header)}\n${setup.map((l) => `${l}\n`).join('')}`;
  let n = setup.length;
  for (let i = 1; i <= calls; i++) {
    for (const l of body) buf += `${l}\n`;
    n += body.length;
    if (tick && i % 512 === 0) {
      buf += `${tick}\n`;
      n++;
    }
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
  return { file, events: n };
}

async function run() {
  const total = Number(process.env.LOCKDEP_BENCH_CALLS || 1000000);
  const names = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const per = Math.ceil(total / names.length);
  const traces = names.map((n) => ({ name: n, ...scale(n, per) }));
  try {
    const baseline = async () => {
      for (const t of traces) await jsonParseLines(t.file);
    };
    let violations = 0;
    const replay = async () => {
      let events = 0;
      violations = 0;
      for (const t of traces) {
        const r = await replayTraceFile(t.file);
        events += r.events;
        violations += r.violations.length;
      }
      return events;
    };
    const [b, r] = await interleaved([baseline, replay], 2);
    const events = traces.reduce((a, t) => a + t.events, 0);
    if (r.result !== events) throw new Error(`replayed ${r.result} of ${events} events`);
    const calls = per * names.length;
    console.log(
      `${names.length} kvfree_rcu scenarios x ${per.toLocaleString('en-US')} calls = ${calls.toLocaleString('en-US')} calls, ${events.toLocaleString('en-US')} events (${violations} violations, deduplicated)`,
    );
    console.log(
      `  replay: ${fmt(r.ms)} ms (${fmt(r.cpu)} ms CPU), ${fmt(calls / r.ms / 1000, 2)} M calls/s, ${fmt(events / r.ms / 1000, 2)} M events/s`,
    );
    console.log(`  JSON.parse of the same lines: ${fmt(b.ms)} ms (${fmt(b.cpu)} ms CPU)`);
    console.log(
      `  replay / JSON.parse: ${fmt(r.ms / b.ms, 2)}x wall, ${fmt(r.cpu / b.cpu, 2)}x CPU (no floor: the model's work dominates)`,
    );
    console.log(`  peak RSS: ${fmt(process.resourceUsage().maxRSS / 1024, 1)} MB`);
  } finally {
    for (const t of traces) fs.rmSync(t.file, { force: true });
  }
}

module.exports = { run };
if (require.main === module)
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
