/**
 * Misuse becomes a report (or a typed error), never an internal error: bad unlock
 * balance, MAX_LOCK_DEPTH, locks held at exit, unbalanced context exits, invalid
 * subclasses, foreign locks; and the violation policies.
 */
import {
  createKernel,
  formatViolation,
  LockdepViolationError,
  UsageError,
  type MaxLockDepth,
  type Violation,
} from '../../src';

const kinds = (vs: readonly Violation[]) => vs.map((v) => v.kind);

describe('bad unlock balance (print_unlock_imbalance_bug)', () => {
  it('releasing a lock that is not held', () => {
    const k = createKernel();
    const a = k.spinlock('lock_A');
    a.unlock();
    expect(kinds(k.violations)).toEqual(['bad-unlock-balance']);
    expect(k.preemptCount()).toBe(0); // the unlock's preempt_enable is not run for a lock that was never held
    expect(formatViolation(k.violations[0])).toContain(
      'init/1 is trying to release lock (lock_A) at:',
    );
  });

  it('double unlock (selftest "double unlock")', () => {
    const k = createKernel();
    const m = k.mutex('mutex_A');
    m.lock();
    m.unlock();
    m.unlock();
    expect(kinds(k.violations)).toEqual(['bad-unlock-balance']);
  });

  it("releasing a task-context lock from inside an interrupt below the interrupt's own locks", () => {
    const k = createKernel();
    const a = k.rawSpinlock('A');
    const b = k.rawSpinlock('B');
    a.lock();
    k.irqEnter();
    b.lock();
    a.unlock(); // find_held_lock() stops at the irq_context boundary
    expect(kinds(k.violations)).toEqual(['bad-unlock-balance']);
  });

  it('out-of-order unlock is legal and keeps the stack consistent', () => {
    const k = createKernel();
    const [a, b, c] = ['A', 'B', 'C'].map((n) => k.rawSpinlock(n));
    a.lock();
    b.lock();
    c.lock();
    a.unlock();
    expect(k.heldLocks().map((h) => h.name)).toEqual(['B', 'C']);
    c.unlock();
    b.unlock();
    expect(k.violations).toEqual([]);
    expect(k.preemptCount()).toBe(0);
  });
});

describe('MAX_LOCK_DEPTH (48)', () => {
  it('the 48th simultaneously held lock reports, with depth 48', () => {
    const k = createKernel();
    const locks = Array.from({ length: 48 }, (_, i) => k.rawSpinlock(`l${i}`));
    locks.slice(0, 47).forEach((l) => l.lock());
    expect(k.violations).toEqual([]);
    locks[47].lock();
    const v = k.violations[0] as MaxLockDepth;
    expect(v.kind).toBe('max-lock-depth');
    expect([v.depth, v.max]).toEqual([48, 48]);
    expect(formatViolation(v)).toContain('depth: 48  max: 48!');
  });

  it('on RT each spinlock_t costs two slots (its map and rcu_lock_map): the 24th spinlock hits it', () => {
    const k = createKernel({ preempt: 'rt' });
    const locks = Array.from({ length: 24 }, (_, i) => k.spinlock(`s${i}`));
    locks.slice(0, 23).forEach((l) => l.lock());
    expect(k.heldLocks()).toHaveLength(46);
    expect(kinds(k.violations)).toEqual([]);
    locks[23].lock();
    expect(kinds(k.violations)).toEqual(['max-lock-depth']);
  });

  it('honours a configured limit', () => {
    const k = createKernel({ limits: { maxLockDepth: 3 } });
    ['a', 'b', 'c'].forEach((n) => k.mutex(n).lock());
    expect(kinds(k.violations)).toEqual(['max-lock-depth']);
  });
});

describe('locks held at exit, unbalanced contexts', () => {
  it('do_exit() with a lock held', () => {
    const k = createKernel();
    k.onTask('worker', () => k.mutex('m').lock());
    k.exitTask('worker');
    expect(kinds(k.violations)).toEqual(['lock-held-at-exit']);
    expect(formatViolation(k.violations[0])).toContain('WARNING: worker/2 still has locks held!');
    expect(() => k.switchTo('worker')).toThrow(UsageError);
  });

  it.each<[string, (k: ReturnType<typeof createKernel>) => void, string]>([
    ['irq_exit without irq_enter', (k) => k.irqExit(), 'val > preempt_count()'],
    ['preempt_enable at zero', (k) => k.preemptEnable(), 'val > preempt_count()'],
    ['local_bh_enable without disable', (k) => k.localBhEnable(), 'val > preempt_count()'],
    ['softirq_exit without entry', (k) => k.softirqExit(), 'current->softirq_context < 0'],
    ['nmi_exit without entry', (k) => k.nmiExit(), 'in_nmi()'],
    [
      'local_irq_enable inside a hardirq',
      (k) => k.hardirq(() => k.localIrqEnable()),
      'lockdep_hardirq_context()',
    ],
    [
      'migrate_enable without disable',
      (k) => k.migrateEnable(),
      'current->migration_disabled == 0',
    ],
  ])('%s -> DEBUG_LOCKS_WARN_ON', (_name, scenario, condition) => {
    const k = createKernel();
    scenario(k);
    expect(k.violations).toHaveLength(1);
    expect(k.violations[0]).toMatchObject({ kind: 'debug-locks-warning', condition });
  });
});

describe('preempt_count_add(): "Spinlock count overflowing soon?"', () => {
  it('warns once the preemption depth reaches PREEMPT_MASK - 10 (245), not before', () => {
    const k = createKernel();
    for (let i = 0; i < 244; i++) k.preemptDisable();
    expect(k.violations).toEqual([]);
    k.preemptDisable();
    expect(k.violations).toHaveLength(1);
    expect(k.violations[0]).toMatchObject({
      kind: 'debug-locks-warning',
      where: 'preempt_count_add',
      condition: '(preempt_count() & PREEMPT_MASK) >= PREEMPT_MASK - 10',
    });
    expect(k.preemptCount()).toBe(245);
  });
});

describe('typed errors and limits', () => {
  it('a subclass >= MAX_LOCKDEP_SUBCLASSES is a lockdep report that turns lockdep off', () => {
    const k = createKernel();
    k.spinlock('s').lock({ subclass: 8 });
    expect(k.violations[0]).toMatchObject({
      kind: 'lockdep-limit',
      limit: 'MAX_LOCKDEP_SUBCLASSES',
      message: 'BUG: looking up invalid subclass: 8',
    });
    const m = k.mutex('m');
    m.lock();
    m.lock(); // would be recursive locking, but lockdep is off now
    // the scheduler's checks are not lockdep's: they still fire (spinlock held, mutex contended)
    expect(kinds(k.violations)).toEqual([
      'lockdep-limit',
      'sleeping-in-atomic',
      'scheduling-while-atomic',
    ]);
  });

  it('MAX_LOCKDEP_KEYS', () => {
    const k = createKernel({ limits: { maxClasses: 10 } });
    // 5 internal maps (RCU flavours, local_bh, softirq_ctrl) register lazily; user classes fill the rest
    for (let i = 0; i < 12; i++) {
      const l = k.rawSpinlock(`l${i}`);
      l.lock();
      l.unlock();
    }
    expect(k.violations.map((v) => v.kind === 'lockdep-limit' && v.limit)).toEqual([
      'MAX_LOCKDEP_KEYS',
    ]);
  });

  it.each<[string, (k: ReturnType<typeof createKernel>) => void]>([
    ['negative subclass', (k) => k.spinlock('s').lock({ subclass: -1 })],
    ['fractional subclass', (k) => k.spinlock('s').lock({ subclass: 0.5 })],
    [
      'a nest_lock from another kernel',
      (k) => k.spinlock('s').lock({ nestLock: createKernel().mutex('m') }),
    ],
    ['a CPU that does not exist', (k) => k.switchTo('t', 9)],
    ['an empty lock name', (k) => k.spinlock('')],
    ['exiting an unknown task', (k) => k.exitTask('nobody')],
  ])('%s is a UsageError', (_name, scenario) => {
    expect(() => scenario(createKernel())).toThrow(UsageError);
  });
});

describe('violation policies', () => {
  function twoBugs(policy: 'collect' | 'first' | 'throw') {
    const k = createKernel({ policy });
    const raw = k.rawSpinlock('raw');
    const s = k.spinlock('s');
    const m = k.mutex('m');
    return {
      k,
      run: () => {
        raw.lock();
        s.lock(); // invalid wait context
        s.unlock();
        m.lock(); // sleeping in atomic + invalid wait context
        m.unlock();
        raw.unlock();
      },
    };
  }

  it('collect records every distinct report', () => {
    const { k, run } = twoBugs('collect');
    run();
    expect(kinds(k.violations)).toEqual([
      'invalid-wait-context',
      'sleeping-in-atomic',
      'invalid-wait-context',
    ]);
    expect(k.summary()).toMatchObject({ violations: 3, suppressed: 0 });
  });

  it('collect counts identical reports instead of repeating them', () => {
    const k = createKernel();
    const raw = k.rawSpinlock('raw');
    const s = k.spinlock('s');
    for (let i = 0; i < 3; i++) {
      raw.lock();
      s.lock();
      s.unlock();
      raw.unlock();
    }
    expect(k.violations).toHaveLength(1);
    expect(k.occurrences(k.violations[0])).toBe(3);
    expect(k.summary().duplicates).toBe(2);
  });

  it('first: the first lockdep report turns debug_locks off; later ones are counted, scheduler reports still print', () => {
    const { k, run } = twoBugs('first');
    run();
    expect(kinds(k.violations)).toEqual(['invalid-wait-context', 'sleeping-in-atomic']);
    expect(kinds(k.suppressed)).toEqual(['invalid-wait-context']);
    expect(k.debugLocks).toBe(false);
  });

  it('throw: the operation completes, then a typed error carries the violation and the splat', () => {
    const { k } = twoBugs('throw');
    const raw = k.rawSpinlock('raw2');
    const s = k.spinlock('s2');
    raw.lock();
    let err: unknown;
    try {
      s.lock();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockdepViolationError);
    const e = err as LockdepViolationError;
    expect(e.violation.kind).toBe('invalid-wait-context');
    expect(e.message).toContain('[ BUG: Invalid wait context ]');
    expect(k.heldLocks().map((h) => h.name)).toEqual(['raw2', 's2']); // state stayed consistent
  });

  it('listeners receive each violation once the operation is done', () => {
    const k = createKernel();
    const seen: string[] = [];
    const off = k.on((v) => seen.push(`${v.kind}@${v.event}:${k.heldLocks().length}`));
    k.rawSpinlock('raw').lock();
    k.spinlock('s').lock();
    off();
    k.mutex('m').lock();
    expect(seen).toEqual(['invalid-wait-context@1:2']);
  });
});

describe('NMI (lockdep_off inside nmi_enter)', () => {
  it('a lock used elsewhere and then taken in NMI: {INITIAL USE} -> {IN-NMI}', () => {
    const k = createKernel();
    const r = k.rawSpinlock('r');
    r.lock();
    r.unlock();
    k.nmi(() => {
      r.lock();
      r.unlock();
    });
    expect(k.violations[0]).toMatchObject({
      kind: 'inconsistent-lock-state',
      previousUsage: 'INITIAL USE',
      newUsage: 'IN-NMI',
    });
  });

  it('no wait-type checking inside NMI', () => {
    const k = createKernel();
    const m = k.mutex('never-used');
    k.nmi(() => {
      m.lock();
      m.unlock();
    });
    expect(k.violations.filter((v) => v.kind !== 'sleeping-in-atomic')).toEqual([]);
  });
});
