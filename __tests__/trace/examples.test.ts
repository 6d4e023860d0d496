/**
 * Every bundled example (examples/traces/*.json) replays as its description says: its
 * `expect` member pins the violations under the trace's own config and the matrix rows.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseTrace, replayTrace, runMatrix, verifyExpectations } from '../../src';

const DIR = path.join(__dirname, '..', '..', 'examples', 'traces');
const FILES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json') || f.endsWith('.jsonl'))
  .sort();

describe('examples/traces', () => {
  it('covers the situations issue 3 lists', () => {
    for (const f of [
      'spinlock-under-raw-spinlock.json',
      'rcu-read-lock-under-raw-spinlock.json',
      'hardirq-spinlock-threaded.json',
      'hardirq-spinlock-not-threaded.json',
      'softirq-spinlock.json',
      'spin-trylock-under-raw-spinlock.json',
      'mutex-under-spinlock.json',
      'rt-spinlock-under-preempt-disable.json',
    ])
      expect(FILES).toContain(f);
  });

  it.each(FILES)('%s behaves as its description says', (f) => {
    const file = path.join(DIR, f);
    const trace = parseTrace(fs.readFileSync(file, 'utf8'), file);
    expect(typeof trace.description).toBe('string');
    expect(trace.expect?.violations).toBeDefined();
    expect(trace.expect?.matrix).toBeDefined();
    const problems = verifyExpectations(trace, replayTrace(trace), runMatrix(trace));
    expect(problems).toEqual([]);
  });

  it('the README example reports an invalid wait context only with PROVE_RAW_LOCK_NESTING', () => {
    const trace = parseTrace(
      fs.readFileSync(path.join(DIR, 'spinlock-under-raw-spinlock.json'), 'utf8'),
    );
    const rows = runMatrix(trace).rows;
    expect(rows.find((r) => r.kind === 'invalid-wait-context')?.when).toBe(
      'PROVE_RAW_LOCK_NESTING=y only',
    );
    expect(rows.find((r) => r.kind === 'sleeping-in-atomic')?.when).toBe('PREEMPT_RT only');
  });

  it('verifyExpectations notices a trace that does not behave as expected', () => {
    const trace = parseTrace(fs.readFileSync(path.join(DIR, 'softirq-spinlock.json'), 'utf8'));
    const wrong = {
      ...trace,
      expect: {
        violations: [{ kind: 'invalid-wait-context' as const }],
        matrix: { 'invalid-wait-context lock_B': ['full/prove' as const] },
      },
    };
    expect(verifyExpectations(wrong, replayTrace(trace), runMatrix(trace))).toEqual([
      'check: expected invalid-wait-context *@*; got none',
      'matrix: row invalid-wait-context lock_B: expected [full/prove], got [no row]',
    ]);
  });
});
