'use strict';
/**
 * Public API costs (issue 10), each figure measured in this run:
 *
 * (a) time: raw_spin_lock()+raw_spin_unlock() of a cached 4-deep chain through the public
 *     API, against (i) bare held-stack bookkeeping (the same four held_lock slots filled
 *     in and popped, no check: what any lock tracker must do at least) and (ii) the
 *     engine's validated lock_acquire()+lock_release() of the same chain called directly.
 *     Both baselines find the current task and its irq state per call, as the kernel's
 *     lock_acquire() does (bench/util.js says why).
 *     Floors: within 4x bare and within 1.5x the engine.
 * (b) memory: bytes allocated per lock+unlock pair on the cached path of every primitive.
 *     Measured as the growth of V8's used heap over a run of pairs with no collection in
 *     between: gc() first (exposed with --expose_gc at run time), then N pairs, then the
 *     used-heap delta / N. N is small enough that the young generation never fills during
 *     a round (a collection would make the delta shrink, which the round detects and
 *     retries); the best of several rounds is kept, after a warm-up so that JIT code and
 *     feedback vectors are not counted. Floor: 0 bytes (printed to two decimals; anything
 *     below 0.5 B/pair is allocation-free up to V8's own bookkeeping).
 */
const v8 = require('v8');
const { createKernel } = require('../dist');
const { apiChain, bareHeldStack, cpuTimer, engineChain, fmt, gcFn } = require('./util');

const gc = gcFn();

function used() {
  return v8.getHeapStatistics().used_heap_size;
}

/** Bytes allocated per call of fn(), best of `rounds` rounds of `n` calls. */
function bytesPerOp(fn, n = 20000, rounds = 7) {
  for (let i = 0; i < 50000; i++) fn(); // warm up: optimised code, feedback, caches
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    if (gc) gc();
    const h0 = used();
    for (let i = 0; i < n; i++) fn();
    const d = used() - h0;
    if (d >= 0) best = Math.min(best, d / n);
  }
  return best;
}

function verdict(ok) {
  return ok ? 'met' : 'MISSED';
}

function timing() {
  const k = createKernel({ policy: 'collect', booting: true });
  // engine: the maps of four raw spinlocks, reached through the lock and acquired in the
  // current task's irq state, as the API does
  const { locks, acquireAll: engine, constant } = engineChain(k, 'engine');
  const bare = bareHeldStack(locks);
  const api = apiChain(k, 'api');
  api();
  const N = 200000;
  // interleave the three so that machine noise hits all of them alike; keep each best
  let tb = Infinity;
  let te = Infinity;
  let ta = Infinity;
  let tc = Infinity;
  const [timeBare, timeEngine, timeApi, timeConst] = [
    cpuTimer(),
    cpuTimer(),
    cpuTimer(),
    cpuTimer(),
  ];
  for (let r = 0; r < 3; r++) {
    tb = Math.min(tb, timeBare(bare, N));
    te = Math.min(te, timeEngine(engine, N));
    ta = Math.min(ta, timeApi(api, N));
    tc = Math.min(tc, timeConst(constant, N));
  }
  if (k.violations.length)
    throw new Error(`unexpected violations: ${k.violations.map((v) => v.kind)}`);
  console.log('(a) 4-deep cached chain, lock+unlock of all four (CPU ns per round)');
  console.log(`    bare held-stack push/pop:                ${fmt(tb)} ns/round`);
  console.log(
    `    engine lock_acquire()+lock_release():    ${fmt(te)} ns/round (${fmt(te / tb)}x bare)`,
  );
  console.log(`    public raw_spin_lock()+raw_spin_unlock(): ${fmt(ta)} ns/round`);
  console.log(
    `    ratio API / bare:   ${fmt(ta / tb)}x   (floor: within 4x)    ${verdict(ta / tb <= 4)}`,
  );
  console.log(
    `    ratio API / engine: ${fmt(ta / te)}x   (floor: within 1.5x)  ${verdict(ta / te <= 1.5)}`,
  );
  console.log(
    `    (for comparison only: the engine with its machine and task JIT-folded bench constants, ${fmt(tc)} ns/round; API / that ${fmt(ta / tc)}x)`,
  );
}

function memory() {
  const k = createKernel({ policy: 'collect' });
  const raw = k.rawSpinlock('raw');
  const spin = k.spinlock('spin');
  const rw = k.rwlock('rw');
  const mtx = k.mutex('mtx');
  const sem = k.rwsem('sem');
  const ll = k.localLock('ll');
  const cases = [
    ['raw_spin_lock/unlock', () => (raw.lock(), raw.unlock())],
    ['spin_lock/unlock', () => (spin.lock(), spin.unlock())],
    ['spin_lock_irq/unlock_irq', () => (spin.lockIrq(), spin.unlockIrq())],
    ['spin_lock_irqsave/irqrestore', () => spin.unlockIrqrestore(spin.lockIrqsave())],
    ['spin_lock_bh/unlock_bh', () => (spin.lockBh(), spin.unlockBh())],
    ['read_lock/read_unlock', () => (rw.readLock(), rw.readUnlock())],
    ['write_lock_irqsave/irqrestore', () => rw.writeUnlockIrqrestore(rw.writeLockIrqsave())],
    ['mutex_lock/unlock', () => (mtx.lock(), mtx.unlock())],
    ['down_read/up_read', () => (sem.downRead(), sem.upRead())],
    ['down_write/up_write', () => (sem.downWrite(), sem.upWrite())],
    ['local_lock/unlock', () => (ll.lock(), ll.unlock())],
    ['local_lock_irqsave/irqrestore', () => ll.unlockIrqrestore(ll.lockIrqsave())],
    ['rcu_read_lock/unlock', () => (k.rcuReadLock(), k.rcuReadUnlock())],
    ['rcu_read_lock_bh/unlock_bh', () => (k.rcuReadLockBh(), k.rcuReadUnlockBh())],
    ['rcu_read_lock_sched/unlock', () => (k.rcuReadLockSched(), k.rcuReadUnlockSched())],
  ];
  // the empty loop's own allocation (none expected), so that the figure is the API's
  const baseline = bytesPerOp(() => {});
  console.log(
    `(b) bytes allocated per lock+unlock pair, cached path (used-heap growth, ${gc ? 'gc() between rounds' : 'NO gc: figures are upper bounds'}; empty loop ${fmt(baseline)} B)`,
  );
  let missed = 0;
  for (const [name, fn] of cases) {
    const b = Math.max(0, bytesPerOp(fn) - baseline);
    const ok = b < 0.5;
    if (!ok) missed++;
    console.log(`    ${name.padEnd(32)} ${fmt(b).padStart(7)} B   (floor: 0)  ${verdict(ok)}`);
  }
  if (k.violations.length)
    throw new Error(`unexpected violations: ${k.violations.map((v) => v.kind)}`);
  console.log(
    `    ${missed === 0 ? 'every primitive allocation-free' : `${missed} primitive(s) MISSED`}`,
  );
}

async function run() {
  timing();
  memory();
}

module.exports = { run };
