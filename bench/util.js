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
 * Nanoseconds of CPU time (user + system) per call of fn(), best of `rounds`: on a shared,
 * loaded machine CPU time is much steadier than wall time, and the figures compared are
 * measured alike, interleaved.
 */
function cpuPerOp(fn, n, rounds = 5) {
  for (let i = 0; i < 20000; i++) fn(); // warm up the JIT
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / n);
  }
  return best;
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
 * A 4-deep chain of raw spinlock maps on the kernel's current task, and the engine's
 * lock_acquire()+lock_release() of all four called directly. The chain is learned once
 * here, so every later round is a chain-cache hit, as in steady state.
 */
function engineChain(k, prefix, hardirqsOff) {
  const ld = k.machine.lockdep;
  const task = k.machine.current;
  const maps = [0, 1, 2, 3].map((i) => k.rawSpinlock(`${prefix}_${i}`).map);
  const acquireAll = () => {
    for (let i = 0; i < 4; i++)
      ld.acquire(task, maps[i], 0, false, 0, true, null, 'bench', hardirqsOff);
    for (let i = 3; i >= 0; i--) ld.release(task, maps[i], 'bench');
  };
  acquireAll();
  return { task, maps, acquireAll };
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
 * Bare bookkeeping of a chain of `maps` on `task`'s held-lock stack: the same held_lock
 * slots the engine fills in, filled in and popped with no check, no usage marking and no
 * chain key. What any lock tracker must do at least; `hardirqsOff` is the irq state the
 * compared path acquires with. The maps' classes must be cached (acquire them once first).
 */
function bareHeldStack(task, maps, hardirqsOff) {
  const classes = maps.map((mp) => mp.classCache[0]);
  const n = maps.length;
  return () => {
    let depth = task.depth;
    for (let i = 0; i < n; i++) {
      const h = task.slot(depth);
      h.map = maps[i];
      h.cls = classes[i];
      h.irqContext = 0;
      h.trylock = false;
      h.read = 0;
      h.check = true;
      h.hardirqsOff = hardirqsOff;
      h.references = 0;
      h.nestLock = null;
      h.at = 'bench';
      h.subclass = 0;
      task.depth = ++depth;
    }
    for (let i = n - 1; i >= 0; i--) {
      // find the entry (top of stack here, as lock_release() finds it) and pop it
      if (task.held[task.depth - 1].map !== maps[i]) throw new Error('unbalanced');
      task.depth--;
    }
  };
}

function fmt(n, digits = 2) {
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

module.exports = { timePerOp, cpuPerOp, timeOnce, gcFn, engineChain, apiChain, bareHeldStack, fmt };
