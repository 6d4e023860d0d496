/**
 * Scheduler-side checks (kernel/sched/core.c): __might_resched() ("BUG: sleeping function
 * called from invalid context"), rtlock_might_resched() on PREEMPT_RT, and
 * schedule_debug()/__schedule_bug() ("BUG: scheduling while atomic").
 */
import {
  createKernel,
  formatViolation,
  type KernelOptions,
  type SleepingInAtomic,
  type Violation,
} from '../../src';

function sleeping(vs: readonly Violation[]): SleepingInAtomic[] {
  return vs.filter((v): v is SleepingInAtomic => v.kind === 'sleeping-in-atomic');
}

describe('__might_resched()', () => {
  it.each<
    [
      string,
      KernelOptions,
      (k: ReturnType<typeof createKernel>) => void,
      Partial<SleepingInAtomic> | null,
    ]
  >([
    [
      'mutex_lock under spin_lock (!RT): preempt_count 1',
      { preempt: 'full' },
      (k) => {
        const s = k.spinlock('s');
        s.lock();
        k.mutex('m').lock();
      },
      {
        inAtomic: true,
        irqsDisabled: false,
        preemptCount: 1,
        expectedPreemptCount: 0,
        rcuDepth: 0,
      },
    ],
    [
      'mutex_lock under rcu_read_lock, PREEMPT_NONE: rcu_read_lock disables preemption, no RCU line',
      { preempt: 'none' },
      (k) => {
        k.rcuReadLock();
        k.mutex('m').lock();
      },
      { preemptCount: 1, rcuDepth: null, expectedRcuDepth: null },
    ],
    [
      'mutex_lock under rcu_read_lock, PREEMPT_RCU: RCU nest depth 1, expected 0',
      { preempt: 'full' },
      (k) => {
        k.rcuReadLock();
        k.mutex('m').lock();
      },
      { inAtomic: false, preemptCount: 0, rcuDepth: 1, expectedRcuDepth: 0 },
    ],
    [
      'might_sleep() with interrupts disabled',
      { preempt: 'voluntary' },
      (k) => {
        k.localIrqDisable();
        k.mightSleep('drivers/foo.c:42');
      },
      { irqsDisabled: true, inAtomic: false, site: 'drivers/foo.c:42' },
    ],
    [
      'mutex_lock in a hardirq: preempt_count 0x10000',
      { preempt: 'full' },
      (k) => {
        k.hardirq(() => k.mutex('m').lock(), { threaded: false });
      },
      { preemptCount: 0x10000, irqsDisabled: true },
    ],
    [
      'RT: spin_lock under preempt_disable (rtlock_might_resched)',
      { preempt: 'rt' },
      (k) => {
        k.preemptDisable();
        k.spinlock('s').lock();
      },
      { preemptCount: 1, site: 'kernel/locking/spinlock_rt.c:48' },
    ],
    [
      'RT: spin_lock with interrupts disabled',
      { preempt: 'rt' },
      (k) => {
        k.localIrqDisable();
        k.spinlock('s').lock();
      },
      { irqsDisabled: true, preemptCount: 0 },
    ],
    [
      'RT: spin_lock under raw_spin_lock',
      { preempt: 'rt' },
      (k) => {
        k.rawSpinlock('r').lock();
        k.spinlock('s').lock();
      },
      { preemptCount: 1 },
    ],
    [
      'RT: spin_lock inside rcu_read_lock is allowed (any RCU depth)',
      { preempt: 'rt' },
      (k) => {
        k.rcuReadLock();
        k.spinlock('s').lock();
      },
      null,
    ],
    [
      'RT: nested spin_lock is allowed (sleeping locks nest)',
      { preempt: 'rt' },
      (k) => {
        k.spinlock('a').lock();
        k.spinlock('b').lock();
      },
      null,
    ],
    [
      '!RT: spin_lock under raw lock does not sleep',
      { preempt: 'full' },
      (k) => {
        k.rawSpinlock('r').lock();
        k.spinlock('s').lock();
      },
      null,
    ],
    [
      'CONFIG_DEBUG_ATOMIC_SLEEP=n: silent',
      { preempt: 'full', debugAtomicSleep: false },
      (k) => {
        k.spinlock('s').lock();
        k.mutex('m').lock();
      },
      null,
    ],
    [
      'SYSTEM_BOOTING: silent',
      { preempt: 'full', booting: true },
      (k) => {
        k.spinlock('s').lock();
        k.mutex('m').lock();
      },
      null,
    ],
  ])('%s', (_name, options, scenario, expected) => {
    const k = createKernel(options);
    scenario(k);
    const s = sleeping(k.violations);
    if (expected === null) expect(s).toEqual([]);
    else {
      expect(s).toHaveLength(1);
      expect(s[0]).toMatchObject(expected);
    }
  });

  it('prints the kernel layout', () => {
    const k = createKernel({ preempt: 'full' });
    const s = k.spinlock('s');
    s.lock({ at: 'foo_init+0x10/0x40' });
    k.mutex('m').lock({ at: 'foo_init+0x20/0x40' });
    const text = formatViolation(sleeping(k.violations)[0]);
    expect(text.split('\n').slice(0, 6)).toEqual([
      'BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585',
      'in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: init',
      'preempt_count: 1, expected: 0',
      'RCU nest depth: 0, expected: 0',
      '1 lock held by init/1:',
      ` #0: ${k.heldLocks()[0].address} (s){+.+.}-{3:3}, at: foo_init+0x10/0x40`,
    ]);
    expect(text).toContain('Preemption disabled at:');
  });

  it('the sleeping report comes before the lockdep report for mutex_lock (might_sleep() runs first)', () => {
    const k = createKernel({ preempt: 'full' });
    k.rawSpinlock('r').lock();
    k.mutex('m').lock();
    expect(k.violations.map((v) => v.kind)).toEqual(['sleeping-in-atomic', 'invalid-wait-context']);
  });

  it('on RT spin_lock reports lockdep first (spin_acquire precedes rtlock_might_resched)', () => {
    const k = createKernel({ preempt: 'rt' });
    k.rawSpinlock('r').lock();
    k.spinlock('s').lock();
    expect(k.violations.map((v) => v.kind)).toEqual(['invalid-wait-context', 'sleeping-in-atomic']);
  });

  it('on RT read_lock calls rtlock_might_resched before the lockdep acquire', () => {
    const k = createKernel({ preempt: 'rt' });
    k.rawSpinlock('r').lock();
    k.rwlock('rw').readLock();
    expect(k.violations.map((v) => v.kind)).toEqual(['sleeping-in-atomic', 'invalid-wait-context']);
  });
});

describe('schedule_debug()', () => {
  it('a mutex_lock that blocks under a spinlock schedules while atomic: 0x00000002', () => {
    const k = createKernel({ preempt: 'full' });
    const m = k.mutex('m');
    k.onTask('owner', () => m.lock(), 1);
    k.switchTo('init', 0);
    k.spinlock('s').lock();
    m.lock();
    const v = k.violations.find((x) => x.kind === 'scheduling-while-atomic');
    expect(v).toBeDefined();
    expect(formatViolation(v!).split('\n')[0]).toBe(
      'BUG: scheduling while atomic: init/1/0x00000002',
    );
  });

  it('schedule() from a hardirq prints 0x00010001', () => {
    const k = createKernel();
    k.hardirq(() => k.schedule());
    const v = k.violations.find((x) => x.kind === 'scheduling-while-atomic');
    expect(v && v.kind === 'scheduling-while-atomic' && v.preemptCount).toBe(0x10001);
  });

  it('does not depend on CONFIG_DEBUG_ATOMIC_SLEEP', () => {
    const k = createKernel({ debugAtomicSleep: false });
    k.preemptDisable();
    k.schedule();
    expect(k.violations.map((v) => v.kind)).toEqual(['scheduling-while-atomic']);
  });

  it('a contended mutex in plain task context schedules cleanly', () => {
    const k = createKernel();
    const m = k.mutex('m');
    k.onTask('owner', () => m.lock(), 1);
    k.switchTo('init', 0);
    m.lock();
    expect(k.violations).toEqual([]);
  });

  it('a task that is not running wakes on an idle CPU, so it does not preempt an atomic task', () => {
    const k = createKernel({ cpus: 2 });
    k.rawSpinlock('r').lock();
    k.switchTo('other');
    expect(k.cpu).toBe(1);
    expect(k.violations).toEqual([]);
  });

  it('switching a CPU away from an atomic task is scheduling while atomic', () => {
    const k = createKernel();
    k.rawSpinlock('r').lock();
    k.switchTo('other', 0);
    expect(k.violations.map((v) => v.kind)).toEqual(['scheduling-while-atomic']);
  });

  // __schedule_bug() is followed by preempt_count_set(PREEMPT_DISABLED): the scheduler's
  // own count, dropped when schedule() returns. What the caller had disabled is gone, so
  // its own preempt_count_sub() later finds too little: DEBUG_LOCKS_WARN_ON(val >
  // preempt_count()), refused (preempt_count_sub() returns without subtracting).
  it.each<[string, (k: ReturnType<typeof createKernel>) => void, string[]]>([
    [
      'raw_spin_lock(); schedule(); raw_spin_unlock(): the unlock underflows',
      (k) => {
        const r = k.rawSpinlock('r');
        r.lock();
        k.schedule();
        expect(k.preemptCount()).toBe(0);
        r.unlock();
      },
      ['scheduling-while-atomic', 'debug-locks-warning:preempt_count_sub'],
    ],
    [
      'preempt_disable() twice; schedule(); preempt_enable() twice: one warning (repeats fold)',
      (k) => {
        k.preemptDisable();
        k.preemptDisable();
        k.schedule();
        k.preemptEnable();
        k.preemptEnable();
      },
      ['scheduling-while-atomic', 'debug-locks-warning:preempt_count_sub'],
    ],
    [
      "schedule() in a hardirq handler: irq_exit()'s preempt_count_sub(HARDIRQ_OFFSET) underflows",
      (k) => k.hardirq(() => k.schedule()),
      ['scheduling-while-atomic', 'debug-locks-warning:preempt_count_sub'],
    ],
    [
      'schedule() with preemption enabled: nothing to reset, nothing reported',
      (k) => {
        const r = k.rawSpinlock('r');
        r.lock();
        r.unlock();
        k.schedule();
        r.lock();
        r.unlock();
      },
      [],
    ],
  ])('%s', (_name, body, expected) => {
    const k = createKernel({ preempt: 'full', policy: 'collect' });
    body(k);
    expect(
      k.violations.map((v) => (v.kind === 'debug-locks-warning' ? `${v.kind}:${v.where}` : v.kind)),
    ).toEqual(expected);
    expect(k.preemptCount()).toBe(0);
    expect(k.heldLocks()).toEqual([]);
  });

  it('after the reset the count is consistent again: a later spin_lock()/spin_unlock() is silent', () => {
    const k = createKernel({ preempt: 'full', policy: 'collect' });
    const r = k.rawSpinlock('r');
    r.lock();
    k.schedule();
    r.unlock();
    const before = k.violations.length;
    r.lock();
    expect(k.preemptCount()).toBe(1);
    r.unlock();
    expect(k.preemptCount()).toBe(0);
    expect(k.violations.length).toBe(before);
  });
});
