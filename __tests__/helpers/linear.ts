/**
 * The linear-time property the ftrace scanners share: for random runs of the characters
 * a hostile line is made of, 10x the input costs about 10x the reads (a quadratic scan
 * costs about 100x), and never more than 8 reads per character.
 */
import fc from 'fast-check';
import { runs } from './fuzz';

const PIECE = fc.constantFrom(' ', '-', '1', '[', ']', '(', ')', 'a', '.', ':', 'd', '\t');

export function assertLinearReads(
  reads: (text: string) => number,
  weight: number,
  seed: number,
): void {
  fc.assert(
    fc.property(
      fc.array(PIECE, { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 4 }),
      (ps, rep) => {
        const unit = ps.join('');
        const small = unit.repeat(50 * rep);
        const large = unit.repeat(500 * rep);
        const a = reads(small);
        const b = reads(large);
        expect(b).toBeLessThanOrEqual(20 * Math.max(a, small.length) + 100);
        expect(b).toBeLessThanOrEqual(8 * large.length + 100);
      },
    ),
    runs(weight, seed),
  );
}
