/**
 * lib/locking-selftest.c: wait_context_tests(), local_lock_tests() and
 * hardirq_deadlock_softirq_not_deadlock(), plus cases derived from
 * check_wait_context(), each under PROVE_RAW_LOCK_NESTING=y, =n and PREEMPT_RT.
 * The verdict is the harness's: did lockdep (not might_resched) report, and what.
 */
import { isLockdepReport, type Violation } from '../../src';
import { CASES, CONFIGS, runSteps, type ConfigName, type Expect } from '../helpers/selftest';

const KIND: Record<Expect, string | null> = {
  ok: null,
  invalid_wait_context: 'invalid-wait-context',
  hardirq_safe_unsafe_order: 'irq-unsafe-order',
};

const rows = CASES.flatMap((c) =>
  (Object.keys(CONFIGS) as ConfigName[]).map((cfg) => ({
    name: c.name,
    group: c.group,
    cfg,
    c,
    expected: c.expect[cfg],
  })),
);

function firstLockdepReport(vs: readonly Violation[]): Violation | undefined {
  return vs.find(isLockdepReport);
}

describe('selftest-waitctx.json', () => {
  it('has the 57 cases the notes describe', () => {
    expect(CASES).toHaveLength(57);
  });

  it.each(rows)('$group $name [$cfg] -> $expected', ({ c, cfg, expected }) => {
    const k = runSteps(c.steps, CONFIGS[cfg]);
    const v = firstLockdepReport(k.violations);
    expect(v?.kind ?? null).toBe(KIND[expected]);
    if (v && v.kind === 'irq-unsafe-order') expect(v.irqState).toBe('HARDIRQ');
    const splat = c.splat?.[cfg];
    if (splat && v && v.kind === 'invalid-wait-context') {
      expect(`-{${v.lock.outer}:${v.lock.inner}}`).toBe(splat.class_wait_suffix);
      expect(`context-{${v.context}:${v.context}}`).toBe(splat.context_line);
      expect(v.held).toHaveLength(splat.held_locks);
    }
  });
});
