/**
 * rcu_sleep_check() (include/linux/rcupdate.h), run first by __might_resched():
 * RCU_LOCKDEP_WARN() "Illegal context switch in RCU[-bh|-sched] read-side critical
 * section" -> "WARNING: suspicious RCU usage". rcu_preempt_sleep_check() exists only
 * without PREEMPT_RCU; the RCU-bh check is skipped on PREEMPT_RT; silent while booting.
 */
import {
  createKernel,
  formatViolation,
  type Kernel,
  type PreemptModel,
  type SuspiciousRcuUsage,
} from '../../src';

type Flavour = 'rcu' | 'bh' | 'sched';
function reader(k: Kernel, f: Flavour): () => void {
  if (f === 'rcu') {
    k.rcuReadLock();
    return () => k.rcuReadUnlock();
  }
  if (f === 'bh') {
    k.rcuReadLockBh();
    return () => k.rcuReadUnlockBh();
  }
  k.rcuReadLockSched();
  return () => k.rcuReadUnlockSched();
}

const MESSAGE: Record<Flavour, string> = {
  rcu: 'Illegal context switch in RCU read-side critical section',
  bh: 'Illegal context switch in RCU-bh read-side critical section',
  sched: 'Illegal context switch in RCU-sched read-side critical section',
};

describe('rcu_sleep_check()', () => {
  it.each<[PreemptModel, Flavour, boolean]>([
    ['none', 'rcu', true],
    ['voluntary', 'rcu', true],
    ['full', 'rcu', false], // PREEMPT_RCU: the nest depth in __might_resched() reports instead
    ['rt', 'rcu', false],
    ['none', 'bh', true],
    ['full', 'bh', true],
    ['rt', 'bh', false], // !IS_ENABLED(CONFIG_PREEMPT_RT): BH is preemptible there
    ['none', 'sched', true],
    ['full', 'sched', true],
    ['rt', 'sched', true],
  ])('might_sleep() in %s/%s -> suspicious RCU usage: %s', (preempt, flavour, expected) => {
    const k = createKernel({ preempt });
    const exit = reader(k, flavour);
    k.mightSleep();
    exit();
    const rcu = k.violations.filter(
      (v): v is SuspiciousRcuUsage => v.kind === 'suspicious-rcu-usage',
    );
    expect(rcu.map((v) => v.message)).toEqual(expected ? [MESSAGE[flavour]] : []);
    // rcu_sleep_check() comes before the sleeping-function report
    if (expected) expect(k.violations[0].kind).toBe('suspicious-rcu-usage');
  });

  it('warns once per site, is silent while booting, and notes a possible false positive once lockdep is off', () => {
    const k = createKernel({ preempt: 'none' });
    for (let i = 0; i < 3; i++) {
      k.rcuReadLock();
      k.mightSleep();
      k.rcuReadUnlock();
    }
    expect(k.violations.filter((v) => v.kind === 'suspicious-rcu-usage')).toHaveLength(1);
    expect(formatViolation(k.violations[0]).split('\n')).toContain(
      'rcu_scheduler_active = 2, debug_locks = 1',
    );

    const booting = createKernel({ preempt: 'none', booting: true });
    booting.rcuReadLockSched();
    booting.mightSleep();
    expect(booting.violations).toEqual([]);

    const off = createKernel({ preempt: 'full' });
    off.rawSpinlock('r').lock();
    off.spinlock('s').lock(); // invalid wait context: debug_locks goes off
    off.rcuReadLockSched();
    off.mightSleep();
    const v = off.violations.find((x) => x.kind === 'suspicious-rcu-usage')!;
    expect(formatViolation(v)).toContain(
      'debug_locks = 0\nPossible false positive due to lockdep disabling via debug_locks = 0',
    );
  });
});
