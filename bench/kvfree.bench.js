'use strict';
/**
 * kvfree_rcu() calls per second through the model (krc.lock with irqs saved, bulk blocks,
 * the monitor arming) with every check on (PROVE_LOCKING + PROVE_RAW_LOCK_NESTING +
 * DEBUG_ATOMIC_SLEEP), vs the same calls with validation off: lockdep switched itself off
 * (a capacity limit hit at the first class, as the kernel does) and DEBUG_ATOMIC_SLEEP=n.
 */
const { createModelSystem } = require('../dist/index.js');
const { timePerOp, fmt } = require('./util');

function system(checks) {
  const opts = checks
    ? { preempt: 'full', proveRawLockNesting: true, debugAtomicSleep: true }
    : {
        preempt: 'full',
        proveRawLockNesting: true,
        debugAtomicSleep: false,
        limits: { maxClasses: 1 },
      };
  const s = createModelSystem({ ...opts, cpus: 2 }, { strategy: 'mainline' });
  s.kernel.switchTo('caller', 0);
  return s;
}

function bench(checks) {
  const s = system(checks);
  let n = 0;
  return timePerOp(
    () => {
      // head-less from a task: a block per 507 calls, allocated after dropping krc.lock
      s.kvfree.kvfreeRcuHeadless();
      if (++n % 4096 === 0) s.settle();
    },
    50000,
    5,
  );
}

async function run() {
  const on = bench(true);
  const off = bench(false);
  console.log(`kvfree_rcu() head-less, mainline strategy, 2 CPUs`);
  console.log(`  all checks on : ${fmt(1 / on / 1000)} M calls/s (${fmt(on * 1e6)} ns/call)`);
  console.log(`  validation off: ${fmt(1 / off / 1000)} M calls/s (${fmt(off * 1e6)} ns/call)`);
  console.log(`  ratio on/off  : ${fmt(on / off)}x the time per call`);
}

module.exports = { run };
