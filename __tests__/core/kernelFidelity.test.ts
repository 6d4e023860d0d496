/**
 * Fidelity against the kernel sources: each row names the kernel function whose
 * behaviour it pins down (kernel/locking/lockdep.c, kernel/softirq.c,
 * kernel/rcu/srcutree.c, include/linux/preempt.h, kernel/Kconfig.locks,
 * include/linux/rwlock.h, kernel/locking/rwsem.c, kernel/sched/core.c).
 */
import { createKernel, type Kernel, type KernelOptions, type Violation } from '../../src';

const kinds = (vs: readonly Violation[]): string[] => vs.map((v) => v.kind);

describe('lockdep.c: calc_depb() for locks_before entries', () => {
  // __calc_dep_bitb(prev, next) = (next->read != 2) + ((prev->read == 0) << 1).
  // X (hardirq-safe, write) -> P (non-recursive reader, read=1) is an -(EN)-> edge both ways.
  // Taking P as a reader with irqs on runs check_usage_backwards() from P with only_xr set
  // (the root is a reader): the backward X<-P entry must survive the -(S*)-> mask, so the
  // hardirq-safe X is found and the irq inversion is reported.
  function scenario(k: Kernel, pRead: 0 | 1 | 2): void {
    const x = k.lockdepMap('X', { inner: 'spin' });
    const p = k.lockdepMap('P', { inner: 'spin' });
    k.hardirq(
      () => {
        x.acquire();
        p.acquire({ read: pRead });
        p.release();
        x.release();
      },
      { threaded: false },
    );
    p.acquire({ read: pRead });
    p.release();
  }

  it.each<[string, 0 | 1 | 2, string[]]>([
    [
      'P a non-recursive reader (read=1): X <-(EN)- P is strong, inversion found',
      1,
      ['irq-inversion'],
    ],
    ['P a writer (read=0): plain irq inversion', 0, ['inconsistent-lock-state']],
    [
      'P a recursive reader (read=2): only -(*R)-> steps, nothing conflicts with the read usage',
      2,
      [],
    ],
  ])('%s', (_n, pRead, expected) => {
    const k = createKernel({ policy: 'collect' });
    scenario(k, pRead);
    expect(kinds(k.violations)).toEqual(expected);
  });

  it('check_irq_usage(): the backward search from a held reader reaches the hardirq-safe writer above it', () => {
    // X -> P recorded in hardirq (X hardirq-safe); N is hardirq-unsafe. Adding P(read=1) -> N
    // connects X to N through P: the backward edge X<-P is EN and not masked.
    const k = createKernel({ policy: 'collect' });
    const x = k.lockdepMap('X', { inner: 'spin' });
    const p = k.lockdepMap('P', { inner: 'spin' });
    const n = k.lockdepMap('N', { inner: 'spin' });
    k.hardirq(
      () => {
        x.acquire();
        p.acquire({ read: 1 });
        p.release();
        x.release();
      },
      { threaded: false },
    );
    n.acquire();
    n.release();
    k.localIrqDisable();
    p.acquire({ read: 1 });
    n.acquire();
    expect(kinds(k.violations)).toEqual(['irq-unsafe-order']);
  });
});

describe('lockdep.c: check_prevs_add() stops at the first failing check_prev_add()', () => {
  it('trylock A, trylock B, then C with C -> A and C -> B known: one circular report, not two', () => {
    const k = createKernel({ policy: 'collect' });
    const a = k.lockdepMap('A', { inner: 'spin' });
    const b = k.lockdepMap('B', { inner: 'spin' });
    const c = k.lockdepMap('C', { inner: 'spin' });
    for (const other of [a, b]) {
      c.acquire();
      other.acquire();
      other.release();
      c.release();
    }
    a.acquire();
    b.acquire({ trylock: true });
    c.acquire();
    const circular = k.violations.filter((v) => v.kind === 'circular-dependency');
    expect(circular).toHaveLength(1);
    // the first prev tried is the top of the stack (B); A -> C is not looked at
    expect(circular[0].kind === 'circular-dependency' && circular[0].prev.name).toBe('B');
  });
});

describe('rwlock: read_lock_is_recursive() (lockdep.c) and in_interrupt() (preempt.h)', () => {
  // in_interrupt() is irq_count() = nmi | hardirq | softirq_count(): a BH-disabled section
  // counts. CONFIG_QUEUED_RWLOCKS `depends on SMP && !PREEMPT_RT` (Kconfig.locks), so on RT
  // every reader is recursive.
  it.each<[string, KernelOptions, (k: Kernel) => void, 1 | 2]>([
    [
      'task context, queued rwlocks: read=1',
      { preempt: 'full' },
      (k) => k.rwlock('rw').readLock(),
      1,
    ],
    [
      'read_lock_bh(): BH disabled first, in_interrupt() true: read=2',
      { preempt: 'full' },
      (k) => k.rwlock('rw').readLockBh(),
      2,
    ],
    [
      'read_lock() under local_bh_disable(): read=2',
      { preempt: 'full' },
      (k) => {
        k.localBhDisable();
        k.rwlock('rw').readLock();
      },
      2,
    ],
    [
      'in a softirq: read=2',
      { preempt: 'full' },
      (k) => {
        k.softirqEnter();
        k.rwlock('rw').readLock();
      },
      2,
    ],
    [
      'PREEMPT_RT, task context: no queued rwlocks, read=2',
      { preempt: 'rt' },
      (k) => k.rwlock('rw').readLock(),
      2,
    ],
    [
      '!CONFIG_QUEUED_RWLOCKS: read=2',
      { preempt: 'full' },
      (k) => k.rwlock('rw', { queued: false }).readLock(),
      2,
    ],
  ])('%s', (_n, opts, run, read) => {
    const k = createKernel({ ...opts, policy: 'collect' });
    run(k);
    const held = k.heldLocks().filter((h) => h.name === 'rw');
    expect(held.map((h) => h.read)).toEqual([read]);
  });

  it('read_lock() twice under local_bh_disable() is recursive reading, not a recursive-locking report', () => {
    const k = createKernel({ preempt: 'full', policy: 'collect' });
    const rw = k.rwlock('rw');
    k.localBhDisable();
    rw.readLock();
    rw.readLock();
    expect(kinds(k.violations)).toEqual([]);
  });
});

describe('srcutree.c: synchronize_srcu() = srcu_lock_sync() (lock_sync(), read 0, check 1) + might_sleep()', () => {
  it.each<[string, (k: Kernel) => void, string[]]>([
    [
      'inside its own read section: possible recursive locking',
      (k) => {
        const s = k.srcu('srcu');
        s.readLock();
        s.synchronize();
      },
      ['recursive-locking'],
    ],
    [
      'srcu_mutex_ABBA: mutex held across synchronize_srcu(), reader takes the mutex',
      (k) => {
        const s = k.srcu('srcu');
        const m = k.mutex('m');
        m.lock();
        s.synchronize();
        m.unlock();
        s.readLock();
        m.lock();
      },
      ['circular-dependency'],
    ],
    [
      'another SRCU domain: no report',
      (k) => {
        const a = k.srcu('a');
        const b = k.srcu('b');
        a.readLock();
        b.synchronize();
      },
      [],
    ],
    [
      'under a spinlock: might_sleep() still reports',
      (k) => {
        k.spinlock('s').lock();
        k.srcu('srcu').synchronize();
      },
      ['sleeping-in-atomic'],
    ],
  ])('%s', (_n, run, expected) => {
    const k = createKernel({ preempt: 'full', policy: 'collect' });
    run(k);
    expect(kinds(k.violations)).toEqual(expected);
  });

  it('nothing is pushed: the held stack is unchanged after synchronize_srcu()', () => {
    const k = createKernel({ policy: 'collect' });
    const m = k.mutex('m');
    m.lock();
    k.srcu('srcu').synchronize();
    expect(k.heldLocks().map((h) => h.name)).toEqual(['m']);
    expect(k.stats().dependencies).toBe(1);
  });
});

describe('softirq.c (PREEMPT_RT): __local_bh_disable_ip() / __local_bh_enable_ip()', () => {
  it('local_lock(&softirq_ctrl.lock) is migrate_disable() + spin_lock(): two migrate_disable levels, both dropped', () => {
    const k = createKernel({ preempt: 'rt', policy: 'collect' });
    const t = k.machine.current;
    k.localBhDisable();
    expect(k.heldLocks().map((h) => h.name)).toEqual([
      'local_bh',
      'softirq_ctrl.lock',
      'rcu_read_lock',
      'rcu_read_lock',
    ]);
    expect(t.migrateDisable).toBe(2);
    k.localBhEnable();
    expect(k.heldLocks()).toEqual([]);
    expect(t.migrateDisable).toBe(0);
    expect(kinds(k.violations)).toEqual([]);
  });

  it('the unlock follows preemptible() at enable time: enabling BH with preemption off keeps softirq_ctrl.lock', () => {
    const k = createKernel({ preempt: 'rt', policy: 'collect' });
    k.localBhDisable();
    k.preemptDisable();
    k.localBhEnable();
    expect(k.heldLocks().map((h) => h.name)).toEqual([
      'softirq_ctrl.lock',
      'rcu_read_lock',
      'rcu_read_lock',
    ]);
    k.preemptEnable();
  });

  it('a disable that was not preemptible and an enable that is: the enable releases what it never took', () => {
    const k = createKernel({ preempt: 'rt', policy: 'collect' });
    k.preemptDisable();
    k.localBhDisable();
    expect(k.heldLocks().map((h) => h.name)).toEqual(['local_bh']);
    k.preemptEnable();
    k.localBhEnable();
    expect(kinds(k.violations)).toContain('bad-unlock-balance');
  });

  it('softirq entry and exit (ksoftirqd_run_begin/end) balance', () => {
    const k = createKernel({ preempt: 'rt', policy: 'collect' });
    const s = k.spinlock('s');
    k.softirq(() => {
      s.lock();
      s.unlock();
    });
    expect(k.heldLocks()).toEqual([]);
    expect(k.machine.current.migrateDisable).toBe(0);
    expect(kinds(k.violations)).toEqual([]);
  });
});

describe('sched/core.c: __might_resched() never lets the idle task sleep', () => {
  it('is_idle_task(current): might_sleep() on swapper reports', () => {
    const k = createKernel({ policy: 'collect' });
    k.exitTask();
    expect(k.current).toBe('swapper/0');
    k.mightSleep();
    expect(kinds(k.violations)).toEqual(['sleeping-in-atomic']);
  });
});

describe('additive API mirroring kernel helpers', () => {
  it('lock_set_subclass(): double_unlock_balance() moves the nested lock back to subclass 0', () => {
    const k = createKernel({ policy: 'collect' });
    const a = k.rawSpinlock('rq', { key: 'rq' });
    const b = k.rawSpinlock('rq2', { key: 'rq' });
    a.lock();
    b.lock({ subclass: 1 });
    expect(k.heldLocks().map((h) => h.name)).toEqual(['rq', 'rq/1']);
    a.unlock();
    b.setSubclass(0);
    expect(k.heldLocks().map((h) => h.name)).toEqual(['rq']);
    b.unlock();
    expect(kinds(k.violations)).toEqual([]);
  });

  it('lock_set_subclass() re-acquires the locks above the re-classed one', () => {
    const k = createKernel({ policy: 'collect' });
    const a = k.rawSpinlock('a');
    const c = k.rawSpinlock('c');
    a.lock();
    c.lock();
    a.setSubclass(2);
    expect(k.heldLocks().map((h) => h.name)).toEqual(['a/2', 'c']);
    c.unlock();
    a.unlock();
    expect(kinds(k.violations)).toEqual([]);
    // a/2 -> c was validated as a new chain on re-acquisition
    expect(k.stats().dependencies).toBe(2);
  });

  it.each<[string, (k: Kernel) => void, string[]]>([
    [
      'lock_set_subclass() on a lock not held: bad unlock balance',
      (k) => {
        k.rawSpinlock('x').lock();
        k.rawSpinlock('y').setSubclass(1);
      },
      ['bad-unlock-balance'],
    ],
    [
      'lock_set_subclass() with nothing held: DEBUG_LOCKS_WARN_ON(!depth)',
      (k) => k.rawSpinlock('y').setSubclass(1),
      ['debug-locks-warning'],
    ],
  ])('%s', (_n, run, expected) => {
    const k = createKernel({ policy: 'collect' });
    run(k);
    expect(kinds(k.violations)).toEqual(expected);
  });

  it('downgrade_write() (lock_downgrade()): the writer becomes a read=1 holder, released by up_read()', () => {
    const k = createKernel({ policy: 'collect' });
    const s = k.rwsem('sem');
    s.downWrite();
    s.downgradeWrite();
    expect(k.heldLocks().map((h) => [h.name, h.read])).toEqual([['sem', 1]]);
    s.upRead();
    expect(k.heldLocks()).toEqual([]);
    expect(kinds(k.violations)).toEqual([]);
  });

  it.each<[string, (k: Kernel) => void, string[]]>([
    [
      'might_lock(mutex) under a raw spinlock: invalid wait context, nothing left held',
      (k) => {
        k.rawSpinlock('r').lock();
        k.mutex('m').mightLock();
      },
      ['invalid-wait-context'],
    ],
    [
      'might_lock() records the dependency: later reverse order is circular',
      (k) => {
        const a = k.mutex('a');
        const b = k.mutex('b');
        a.lock();
        b.mightLock();
        a.unlock();
        b.lock();
        a.lock();
      },
      ['circular-dependency'],
    ],
    [
      'might_lock_read() is a read=1 acquisition: read after a held read of the same class is recursion',
      (k) => {
        const s = k.rwsem('s');
        s.downRead();
        s.mightLockRead();
      },
      ['recursive-locking'],
    ],
    [
      'mutex_lock_interruptible() might sleep like mutex_lock()',
      (k) => {
        k.spinlock('s').lock();
        k.mutex('m').lockInterruptible();
      },
      ['sleeping-in-atomic', 'invalid-wait-context'],
    ],
  ])('%s', (_n, run, expected) => {
    const k = createKernel({ policy: 'collect' });
    run(k);
    expect(kinds(k.violations).sort()).toEqual([...expected].sort());
  });

  it.each<[string, KernelOptions, number]>([
    ['spin_trylock_bh() (!RT): SOFTIRQ_LOCK_OFFSET held on success', { preempt: 'full' }, 0x201],
    ['spin_trylock_bh() (RT): only softirq_disable_cnt, preempt_count 0', { preempt: 'rt' }, 0],
  ])('%s', (_n, opts, pc) => {
    const k = createKernel({ ...opts, policy: 'collect' });
    const s = k.spinlock('s');
    expect(s.trylockBh()).toBe(true);
    expect(k.preemptCount()).toBe(pc);
    expect(k.heldLocks().some((h) => h.name === 's' && h.trylock)).toBe(true);
    k.onTask(
      'other',
      () => {
        expect(s.trylockBh()).toBe(false);
        expect(k.preemptCount()).toBe(0);
        expect(k.heldLocks()).toEqual([]);
      },
      1,
    );
    k.switchTo('init');
    s.unlockBh();
    expect(k.preemptCount()).toBe(0);
    expect(kinds(k.violations)).toEqual([]);
  });
});

describe('sched/core.c: schedule_debug() runs rcu_sleep_check() after the __schedule_bug() block', () => {
  type Reader = 'rcu' | 'bh' | 'sched';
  const enter = (k: Kernel, r: Reader): void =>
    r === 'rcu' ? k.rcuReadLock() : r === 'bh' ? k.rcuReadLockBh() : k.rcuReadLockSched();
  const MSG: Record<Reader, string> = {
    rcu: 'Illegal context switch in RCU read-side critical section',
    bh: 'Illegal context switch in RCU-bh read-side critical section',
    sched: 'Illegal context switch in RCU-sched read-side critical section',
  };
  const rcuMessages = (k: Kernel): string[] =>
    k.violations.flatMap((v) => (v.kind === 'suspicious-rcu-usage' ? [v.message] : []));

  it.each<[string, KernelOptions['preempt'], Reader, string[], boolean]>([
    // mirror, preempt, reader, kinds (sorted), rcu_sleep_check() fires
    [
      'schedule_debug + rcu_sleep_check',
      'none',
      'sched',
      ['scheduling-while-atomic', 'suspicious-rcu-usage'],
      true,
    ],
    [
      'schedule_debug + rcu_sleep_check',
      'voluntary',
      'sched',
      ['scheduling-while-atomic', 'suspicious-rcu-usage'],
      true,
    ],
    [
      'schedule_debug + rcu_sleep_check',
      'full',
      'sched',
      ['scheduling-while-atomic', 'suspicious-rcu-usage'],
      true,
    ],
    [
      'schedule_debug + rcu_sleep_check',
      'rt',
      'sched',
      ['scheduling-while-atomic', 'suspicious-rcu-usage'],
      true,
    ],
    // rcu_preempt_sleep_check(): only without PREEMPT_RCU, where rcu_read_lock() disables preemption
    [
      'rcu_preempt_sleep_check',
      'none',
      'rcu',
      ['scheduling-while-atomic', 'suspicious-rcu-usage'],
      true,
    ],
    [
      'rcu_preempt_sleep_check',
      'voluntary',
      'rcu',
      ['scheduling-while-atomic', 'suspicious-rcu-usage'],
      true,
    ],
    // PREEMPT_RCU: no lockdep RCU check, but rcu_note_context_switch(false) in
    // __schedule() WARNs "Voluntary context switch within RCU read-side critical section!"
    ['rcu_preempt_sleep_check (PREEMPT_RCU: not built)', 'full', 'rcu', ['kernel-warning'], false],
    ['rcu_preempt_sleep_check (PREEMPT_RCU: not built)', 'rt', 'rcu', ['kernel-warning'], false],
    // RCU-bh: checked on !RT only; on RT BH-disabled sections are preemptible
    [
      'rcu_sleep_check (RCU-bh)',
      'full',
      'bh',
      ['scheduling-while-atomic', 'suspicious-rcu-usage'],
      true,
    ],
    // on RT, local_bh_disable() takes rcu_read_lock() itself: rcu_note_context_switch() WARNs
    ['rcu_sleep_check (RCU-bh, !PREEMPT_RT only)', 'rt', 'bh', ['kernel-warning'], false],
  ])(
    '%s: schedule() in a %s kernel inside rcu_read_lock_%s',
    (_m, preempt, reader, expected, fires) => {
      const k = createKernel({ preempt });
      enter(k, reader);
      k.schedule();
      expect([...new Set(kinds(k.violations))].sort()).toEqual(expected);
      expect(rcuMessages(k)).toEqual(fires ? [MSG[reader]] : []);
    },
  );

  it('the RCU warning comes after the scheduling-while-atomic report, at schedule_debug()', () => {
    const k = createKernel({ preempt: 'full' });
    k.rcuReadLockSched();
    k.schedule();
    expect(kinds(k.violations)).toEqual(['scheduling-while-atomic', 'suspicious-rcu-usage']);
    const v = k.violations[1];
    expect(v.kind === 'suspicious-rcu-usage' && v.site).toMatch(/^kernel\/sched\/core\.c:/);
  });

  it.each<[string, KernelOptions['preempt'], 'mutex' | 'spinlock']>([
    // __mutex_lock_common() -> schedule_preempt_disabled() -> __schedule()
    ['__mutex_lock_common', 'full', 'mutex'],
    ['__mutex_lock_common', 'none', 'mutex'],
    // rtlock_slowlock_locked() -> schedule_rtlock() -> __schedule(SM_RTLOCK_WAIT)
    ['rtlock_slowlock_locked', 'rt', 'spinlock'],
  ])(
    '%s (%s): blocking on a contended %s inside rcu_read_lock_sched() reaches schedule_debug()',
    (_m, preempt, type) => {
      const k = createKernel({ preempt });
      const l = type === 'mutex' ? k.mutex('m') : k.spinlock('s');
      k.switchTo('owner');
      l.lock();
      k.switchTo('waiter');
      k.rcuReadLockSched();
      l.lock();
      // __might_resched() and schedule_debug() both run rcu_sleep_check(), at their own sites
      const rcu = k.violations.filter((v) => v.kind === 'suspicious-rcu-usage');
      expect(rcu.map((v) => v.kind === 'suspicious-rcu-usage' && v.message)).toEqual([
        MSG.sched,
        MSG.sched,
      ]);
      expect(new Set(rcu.map((v) => v.kind === 'suspicious-rcu-usage' && v.site)).size).toBe(2);
      expect(kinds(k.violations)).toContain('scheduling-while-atomic');
    },
  );
});
