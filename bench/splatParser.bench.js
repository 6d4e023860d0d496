'use strict';
/**
 * The splat parser's line readers are linear in the line (issue 15): a frame, a lock line
 * and a CPU identification with a long run of spaces inside (the shape that made the
 * `Tainted:` pattern quadratic) are parsed at N and 4N spaces. A linear reader costs ~4x
 * for the 4x longer line; a quadratic one ~16x. Ratios are measured in one run.
 */
const { parseFrame, parseLockLine, kernelIdentOf } = require('../dist/interop/splatParser.js');
const { timePerOp, fmt } = require('./util');

const SHAPES = [
  ['frame `func<spaces>x`', (s) => () => parseFrame(`func+0x1/0x2${s}x`)],
  [
    'lock line `(name)<spaces>x`',
    (s) => () => parseLockLine(`ffff888100000000 (a){+.+.}-{3:3}${s}x`, 1),
  ],
  ['CPU line `Tainted: G<spaces>x`', (s) => () => kernelIdentOf(`Tainted: G${s}x`)],
];

async function run() {
  const n = Number(process.env.LOCKDEP_BENCH_SPACES ?? 100000);
  const short = ' '.repeat(n);
  const long = ' '.repeat(4 * n);
  for (const [name, make] of SHAPES) {
    const a = timePerOp(make(short), 20, 7);
    const b = timePerOp(make(long), 20, 7);
    console.log(
      `${name}: ${fmt(a * 1000)} us at ${n} spaces, ${fmt(b * 1000)} us at ${4 * n}; ratio ${fmt(b / a, 1)} (linear ~4, quadratic ~16)`,
    );
  }
}

module.exports = { run };
if (require.main === module)
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
