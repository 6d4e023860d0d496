'use strict';
/**
 * Small helpers shared by the benches: best-of-N wall or CPU time of a closure, gc()
 * when the runtime lets us expose it, and the bare held-lock bookkeeping baseline.
 */

/** Milliseconds per call of fn(), best of `rounds` runs of `iterations` calls each. */
function timePerOp(fn, iterations, rounds = 5) {
  for (let i = 0; i < Math.min(iterations, 10000); i++) fn(); // warm up the JIT
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    best = Math.min(best, dt / iterations);
  }
  return best;
}

/**
 * The source of a CPU-time loop: nanoseconds of CPU time (user + system) per call of
 * fn(), best of `rounds`. On a shared, loaded machine CPU time is much steadier than wall
 * time, and the figures compared are measured alike, interleaved.
 */
const CPU_LOOP = `return function cpuPerOp(fn, n, rounds = 5) {
  for (let i = 0; i < 20000; i++) fn(); // warm up the JIT
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / n);
  }
  return best;
};`;

/**
 * A CPU-time loop of its own for one measured closure. One loop shared by the closures
 * being compared sees several call targets: the first one measured gets inlined into it
 * and the others are called through a deoptimised, polymorphic site, which skewed the
 * ratios by up to 1.4x depending on the order. A loop compiled from source per closure
 * has one target, so every closure is measured under the same JIT treatment.
 */
function cpuTimer() {
  return new Function('process', CPU_LOOP)(process);
}

/** Wall milliseconds of one call of fn(). */
function timeOnce(fn) {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

/** gc(), exposed at run time with --expose_gc, or null where the runtime refuses. */
function gcFn() {
  try {
    require('v8').setFlagsFromString('--expose_gc');
    return require('vm').runInNewContext('gc');
  } catch {
    return null;
  }
}

/**
 * A 4-deep chain of raw spinlock maps, and the engine's lock_acquire()+lock_release() of
 * all four called directly, reached as the public API reaches it. Each call loads the
 * machine from the lock and finds the current task and its irq state there, as the
 * kernel's lock_acquire() reads `current` and irqs_disabled() itself. A machine or task
 * held in a bench-local constant lets the JIT fold its map checks and unchanging fields
 * away (the closure is specialised to its context), which no caller with more than one
 * kernel can get: measured that way the engine looked up to 1.4x cheaper than any
 * caller could make it. `constant` keeps that variant, printed for comparison only.
 * The chain is learned once here, so every later round is a chain-cache hit, as in
 * steady state.
 */
function engineChain(k, prefix) {
  const machine = k.machine;
  const locks = [0, 1, 2, 3].map((i) => ({ m: machine, map: k.rawSpinlock(`${prefix}_${i}`).map }));
  const maps = locks.map((l) => l.map);
  const acquireAll = () => {
    for (let i = 0; i < 4; i++) {
      const l = locks[i];
      const t = l.m.current;
      l.m.lockdep.acquire(t, l.map, 0, false, 0, true, null, 'bench', t.irqsOff);
    }
    for (let i = 3; i >= 0; i--) {
      const l = locks[i];
      l.m.lockdep.release(l.m.current, l.map, 'bench');
    }
  };
  const ld = machine.lockdep;
  const task = machine.current;
  const constant = () => {
    for (let i = 0; i < 4; i++) ld.acquire(task, maps[i], 0, false, 0, true, null, 'bench', false);
    for (let i = 3; i >= 0; i--) ld.release(task, maps[i], 'bench');
  };
  acquireAll();
  return { locks, acquireAll, constant };
}

/** The same 4-deep chain through the public raw_spin_lock()/raw_spin_unlock(). */
function apiChain(k, prefix) {
  const pub = [0, 1, 2, 3].map((i) => k.rawSpinlock(`${prefix}_${i}`));
  return () => {
    for (let i = 0; i < 4; i++) pub[i].lock();
    for (let i = 3; i >= 0; i--) pub[i].unlock();
  };
}

/**
 * Bare bookkeeping of a chain on the current task's held-lock stack: the same held_lock
 * slots the engine fills in, filled in and popped with no check, no usage marking and no
 * chain key. What any lock tracker must do at least; like the engine it reaches the
 * machine through the lock and finds the current task and its irq state per call.
 * `locks` are engineChain()'s, whose classes are cached.
 */
function bareHeldStack(locks) {
  const classes = locks.map((l) => l.map.classCache[0]);
  const n = locks.length;
  return () => {
    for (let i = 0; i < n; i++) {
      const l = locks[i];
      const task = l.m.current;
      const depth = task.depth;
      const h = task.slot(depth);
      h.map = l.map;
      h.cls = classes[i];
      h.irqContext = 0;
      h.trylock = false;
      h.read = 0;
      h.check = true;
      h.hardirqsOff = task.irqsOff;
      h.references = 0;
      h.nestLock = null;
      h.at = 'bench';
      h.subclass = 0;
      task.depth = depth + 1;
    }
    for (let i = n - 1; i >= 0; i--) {
      // find the entry (top of stack here, as lock_release() finds it) and pop it
      const l = locks[i];
      const task = l.m.current;
      if (task.held[task.depth - 1].map !== l.map) throw new Error('unbalanced');
      task.depth--;
    }
  };
}

function fmt(n, digits = 2) {
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

module.exports = { timePerOp, cpuTimer, timeOnce, gcFn, engineChain, apiChain, bareHeldStack, fmt };
