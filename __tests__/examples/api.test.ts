/** examples/api/*.ts are executed here so they never rot. */
import {
  kfreeRcuRefillUnderRawLock,
  kfreeRcuWithWorkerRefill,
} from '../../examples/api/kfree-rcu-2020';
import { lockdepMatchers } from '../../src/jest';

expect.extend(lockdepMatchers);

describe('examples/api/kfree-rcu-2020.ts', () => {
  it('PROVE_RAW_LOCK_NESTING=y: invalid wait context on zone->lock', () => {
    const k = kfreeRcuRefillUnderRawLock({ preempt: 'full', proveRawLockNesting: true });
    expect(k).toHaveInvalidWaitContext('&zone->lock');
    expect(k.violations).toHaveLength(1);
  });

  it('PROVE_RAW_LOCK_NESTING=n on !RT: clean', () => {
    expect(
      kfreeRcuRefillUnderRawLock({ preempt: 'voluntary', proveRawLockNesting: false }),
    ).toBeLockdepClean();
  });

  it('PREEMPT_RT: the lockdep report and the RT spinlock sleeping in atomic context', () => {
    const k = kfreeRcuRefillUnderRawLock({ preempt: 'rt' });
    expect(k.violations.map((v) => v.kind)).toEqual(['invalid-wait-context', 'sleeping-in-atomic']);
  });

  it('PREEMPT_RT without PROVE_RAW_LOCK_NESTING: lockdep is silent but the kernel still sleeps in atomic context', () => {
    const k = kfreeRcuRefillUnderRawLock({ preempt: 'rt', proveRawLockNesting: false });
    expect(k.violations.map((v) => v.kind)).toEqual(['sleeping-in-atomic']);
  });

  it.each(['none', 'voluntary', 'full', 'rt'] as const)(
    'refilling from a worker is clean on %s',
    (preempt) => {
      expect(kfreeRcuWithWorkerRefill({ preempt })).toBeLockdepClean();
    },
  );
});
