/**
 * check_wait_context() under every preemption model x CONFIG_PROVE_RAW_LOCK_NESTING,
 * for the outer/inner matrix of lib/locking-selftest.c wait_context_tests()
 * (lockdep-semantics.md §3.3). Lockdep's verdict does not depend on the preemption
 * model; it depends on the numbering: with the option off, LD_WAIT_CONFIG == LD_WAIT_SPIN.
 */
import { createKernel, isLockdepReport, type Kernel, type PreemptModel } from '../../src';

type Inner = 'rcu' | 'raw' | 'spin' | 'mutex';
type Outer =
  | 'HARDIRQ'
  | 'NOTTHREADED_HARDIRQ'
  | 'SOFTIRQ'
  | 'RCU'
  | 'RCU_BH'
  | 'RCU_SCHED'
  | 'RAW_SPINLOCK'
  | 'SPINLOCK'
  | 'MUTEX';

/** Expected with PROVE_RAW_LOCK_NESTING=y (the selftest table); `spin!` marks CONFIG-vs-SPIN failures. */
const TABLE: Record<Outer, Record<Inner, 'ok' | 'FAIL' | 'FAIL-spin'>> = {
  HARDIRQ: { rcu: 'ok', raw: 'ok', spin: 'ok', mutex: 'FAIL' },
  NOTTHREADED_HARDIRQ: { rcu: 'ok', raw: 'ok', spin: 'FAIL-spin', mutex: 'FAIL' },
  SOFTIRQ: { rcu: 'ok', raw: 'ok', spin: 'ok', mutex: 'FAIL' },
  RCU: { rcu: 'ok', raw: 'ok', spin: 'ok', mutex: 'FAIL' },
  RCU_BH: { rcu: 'ok', raw: 'ok', spin: 'ok', mutex: 'FAIL' },
  RCU_SCHED: { rcu: 'ok', raw: 'ok', spin: 'FAIL-spin', mutex: 'FAIL' },
  RAW_SPINLOCK: { rcu: 'ok', raw: 'ok', spin: 'FAIL-spin', mutex: 'FAIL' },
  SPINLOCK: { rcu: 'ok', raw: 'ok', spin: 'ok', mutex: 'FAIL' },
  MUTEX: { rcu: 'ok', raw: 'ok', spin: 'ok', mutex: 'ok' },
};

function enter(k: Kernel, outer: Outer): () => void {
  switch (outer) {
    case 'HARDIRQ':
      k.irqEnter({ threaded: true, forceThreaded: false });
      return () => k.irqExit();
    case 'NOTTHREADED_HARDIRQ':
      k.irqEnter({ threaded: false });
      return () => k.irqExit();
    case 'SOFTIRQ':
      k.softirqEnter();
      return () => k.softirqExit();
    case 'RCU':
      k.rcuReadLock();
      return () => k.rcuReadUnlock();
    case 'RCU_BH':
      k.rcuReadLockBh();
      return () => k.rcuReadUnlockBh();
    case 'RCU_SCHED':
      k.rcuReadLockSched();
      return () => k.rcuReadUnlockSched();
    case 'RAW_SPINLOCK': {
      const l = k.rawSpinlock('raw_lock_A');
      l.lock();
      return () => l.unlock();
    }
    case 'SPINLOCK': {
      const l = k.spinlock('lock_A');
      l.lock();
      return () => l.unlock();
    }
    case 'MUTEX': {
      const l = k.mutex('mutex_A');
      l.lock();
      return () => l.unlock();
    }
  }
}

function inner(k: Kernel, what: Inner): void {
  switch (what) {
    case 'rcu':
      k.rcuReadLock();
      k.rcuReadUnlock();
      break;
    case 'raw': {
      const l = k.rawSpinlock('raw_lock_B');
      l.lock();
      l.unlock();
      break;
    }
    case 'spin': {
      const l = k.spinlock('lock_B');
      l.lock();
      l.unlock();
      break;
    }
    case 'mutex': {
      const l = k.mutex('mutex_B');
      l.lock();
      l.unlock();
      break;
    }
  }
}

const PREEMPT: PreemptModel[] = ['none', 'voluntary', 'full', 'rt'];
const rows = PREEMPT.flatMap((preempt) =>
  [true, false].flatMap((prove) =>
    (Object.keys(TABLE) as Outer[]).flatMap((outer) =>
      (['rcu', 'raw', 'spin', 'mutex'] as Inner[]).map((inn) => {
        const cell = TABLE[outer][inn];
        const expected =
          cell === 'ok' || (cell === 'FAIL-spin' && !prove) ? 'ok' : 'invalid-wait-context';
        return { preempt, prove, outer, inn, expected };
      }),
    ),
  ),
);

describe('wait_context_tests() matrix under every configuration', () => {
  it.each(rows)(
    '$inn in $outer [preempt=$preempt, PROVE_RAW_LOCK_NESTING=$prove] -> $expected',
    ({ preempt, prove, outer, inn, expected }) => {
      // the selftest harness: booting, preemption disabled (so RT's local_bh_disable takes no softirq_ctrl.lock)
      const k = createKernel({ preempt, proveRawLockNesting: prove, booting: true });
      k.preemptDisable();
      const exit = enter(k, outer);
      inner(k, inn);
      exit();
      const lockdep = k.violations.filter(isLockdepReport);
      expect(lockdep.map((v) => v.kind)).toEqual(expected === 'ok' ? [] : ['invalid-wait-context']);
    },
  );

  it('prints numbers as the configuration numbers them (LD_WAIT_CONFIG == LD_WAIT_SPIN when off)', () => {
    for (const [prove, ctx, suffix] of [
      [true, 5, '4:4'],
      [false, 4, '3:3'],
    ] as const) {
      const k = createKernel({ proveRawLockNesting: prove });
      const raw = k.rawSpinlock('raw');
      const m = k.mutex('m');
      raw.lock();
      m.lock();
      const v = k.violations.find((x) => x.kind === 'invalid-wait-context');
      expect(
        v && v.kind === 'invalid-wait-context' && `${v.context}|${v.lock.outer}:${v.lock.inner}`,
      ).toBe(`${ctx}|${suffix}`);
    }
  });
});
