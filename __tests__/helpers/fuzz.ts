/**
 * The one place fuzz sizes are set. Every property passes its weight (its run count at
 * the default size) through runs(); FUZZ_RUNS scales them all: `FUZZ_RUNS=2000 npm test`
 * runs each property 20x as long. FUZZ_SEED=random picks new seeds for a longer hunt;
 * FUZZ_SEED=<n> replays one.
 */

/** The default: each property runs its own weight (a few seconds per file in `npm test`). */
export const DEFAULT_FUZZ_RUNS = 100;

/** The size of this run, from FUZZ_RUNS (default DEFAULT_FUZZ_RUNS). */
export const FUZZ_RUNS: number = (() => {
  const n = Number(process.env.FUZZ_RUNS ?? DEFAULT_FUZZ_RUNS);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_FUZZ_RUNS;
})();

/** fast-check parameters for a property of `weight` runs at the default size, seeded. */
export function runs(weight: number, seed: number): { numRuns: number; seed?: number } {
  const numRuns = Math.max(1, Math.round((weight * FUZZ_RUNS) / DEFAULT_FUZZ_RUNS));
  return process.env.FUZZ_SEED === 'random'
    ? { numRuns }
    : { numRuns, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : seed };
}
