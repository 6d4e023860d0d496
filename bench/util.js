'use strict';
/** Small timing helpers shared by the benches: best-of-N wall time of a closure. */

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

/** Wall milliseconds of one call of fn(). */
function timeOnce(fn) {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

function fmt(n, digits = 2) {
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

module.exports = { timePerOp, timeOnce, fmt };
