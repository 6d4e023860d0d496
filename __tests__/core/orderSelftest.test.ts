/**
 * lib/locking-selftest.c's lock-order groups (locking_selftest(), before the ww tests),
 * as a table: one row per dotest() call, named after the generated selftest function
 * (AA_spin, irqsafe3_hard_rlock_231, ...) and its printed group name. Each row runs under
 * the selftest harness conventions (booting, policy `first`, preemption disabled at the
 * start; HARDIRQ_ENTER() = a threaded handler that stays in hard interrupt context;
 * SOFTIRQ_ENTER() = local_bh_disable + local_irq_disable + lockdep_softirq_enter;
 * read_lock() a recursive reader because force_read_lock_recursive = 1).
 *
 * The verdict is dotest()'s: did a lockdep report clear debug_locks (F) or not (S).
 * For F rows the kind of that first report is asserted too. Rows the selftest wraps in
 * NON_RT() (the soft- variants and the whole "sirq-safe-A => hirqs-on" group) are not
 * run under PREEMPT_RT, as in the kernel.
 */
import {
  createKernel,
  isLockdepReport,
  type Kernel,
  type KernelOptions,
  type ViolationKind,
} from '../../src';
import type { LocalLock, Mutex, RtMutex, Rwlock, RwSemaphore, Spinlock } from '../../src';

type LockKind = 'spin' | 'wlock' | 'rlock' | 'mutex' | 'wsem' | 'rsem' | 'rtmutex';
type IrqKind = 'hard' | 'soft';
type Verdict = 'S' | 'F';

/** The selftest's locks and the LOCK()/UNLOCK()/INIT() macros of locking-selftest-<kind>.h. */
class Harness {
  readonly k: Kernel;
  private readonly spins = new Map<string, Spinlock>();
  private readonly rws = new Map<string, Rwlock>();
  private readonly mutexes = new Map<string, Mutex>();
  private readonly rwsems = new Map<string, RwSemaphore>();
  private readonly rtms = new Map<string, RtMutex>();
  private local: LocalLock | null = null;

  constructor(options: KernelOptions) {
    this.k = createKernel({ ...options, booting: true, policy: 'first' });
    this.k.preemptDisable(); // start_kernel() runs locking_selftest() with preemption disabled
  }

  /** X1 and X2 are two instances of one class (init_class_X), as are Y* and Z*. */
  private static key(prefix: string, x: string): string {
    return /^[XYZ][12]$/.test(x) ? `${prefix}_${x[0]}` : `${prefix}_${x}`;
  }

  private get<T>(
    m: Map<string, T>,
    prefix: string,
    x: string,
    make: (name: string, key: string) => T,
  ): T {
    let l = m.get(x);
    if (!l) {
      l = make(`${prefix}_${x}`, Harness.key(prefix, x));
      m.set(x, l);
    }
    return l;
  }

  spin(x: string): Spinlock {
    return this.get(this.spins, 'lock', x, (n, key) => this.k.spinlock(n, { key }));
  }
  rw(x: string): Rwlock {
    return this.get(this.rws, 'rwlock', x, (n, key) => this.k.rwlock(n, { key, queued: false }));
  }
  mutex(x: string): Mutex {
    return this.get(this.mutexes, 'mutex', x, (n, key) => this.k.mutex(n, { key }));
  }
  rwsem(x: string): RwSemaphore {
    return this.get(this.rwsems, 'rwsem', x, (n, key) => this.k.rwsem(n, { key }));
  }
  rtm(x: string): RtMutex {
    return this.get(this.rtms, 'rtmutex', x, (n, key) => this.k.rtMutex(n, { key }));
  }
  localA(): LocalLock {
    return (this.local ??= this.k.localLock('local_A'));
  }

  L(x: string): void {
    this.spin(x).lock();
  }
  U(x: string): void {
    this.spin(x).unlock();
  }
  RL(x: string): void {
    this.rw(x).readLock();
  }
  RU(x: string): void {
    this.rw(x).readUnlock();
  }
  WL(x: string): void {
    this.rw(x).writeLock();
  }
  WU(x: string): void {
    this.rw(x).writeUnlock();
  }

  LOCK(kind: LockKind, x: string): void {
    switch (kind) {
      case 'spin':
        return this.L(x);
      case 'wlock':
        return this.WL(x);
      case 'rlock':
        return this.RL(x);
      case 'mutex':
        return this.mutex(x).lock();
      case 'wsem':
        return this.rwsem(x).downWrite();
      case 'rsem':
        return this.rwsem(x).downRead();
      case 'rtmutex':
        return this.rtm(x).lock();
    }
  }

  UNLOCK(kind: LockKind, x: string): void {
    switch (kind) {
      case 'spin':
        return this.U(x);
      case 'wlock':
        return this.WU(x);
      case 'rlock':
        return this.RU(x);
      case 'mutex':
        return this.mutex(x).unlock();
      case 'wsem':
        return this.rwsem(x).upWrite();
      case 'rsem':
        return this.rwsem(x).upRead();
      case 'rtmutex':
        return this.rtm(x).unlock();
    }
  }

  /** SI / RWI / MI / RWSI / RTI: re-running the initialiser calls debug_check_no_locks_freed(). */
  INIT(kind: LockKind, x: string): void {
    switch (kind) {
      case 'spin':
        return this.spin(x).reinit();
      case 'wlock':
      case 'rlock':
        return this.rw(x).reinit();
      case 'mutex':
        return this.mutex(x).reinit();
      case 'wsem':
      case 'rsem':
        return this.rwsem(x).reinit();
      case 'rtmutex':
        return this.rtm(x).reinit();
    }
  }

  LOCK_UNLOCK_2(kind: LockKind, x: string, y: string): void {
    this.LOCK(kind, x);
    this.LOCK(kind, y);
    this.UNLOCK(kind, y);
    this.UNLOCK(kind, x);
  }

  /** HARDIRQ_ENTER(): local_irq_disable(); __irq_enter(); lockdep_hardirq_threaded(). */
  HARDIRQ_ENTER(): void {
    this.k.irqEnter({ threaded: true, forceThreaded: false });
  }
  /** HARDIRQ_EXIT(): __irq_exit(); local_irq_enable(). */
  HARDIRQ_EXIT(): void {
    this.k.irqExit();
  }
  SOFTIRQ_ENTER(): void {
    this.k.softirqEnter();
    this.k.localIrqDisable();
  }
  SOFTIRQ_EXIT(): void {
    this.k.localIrqEnable();
    this.k.softirqExit();
  }

  IRQ_ENTER(irq: IrqKind): void {
    if (irq === 'hard') this.HARDIRQ_ENTER();
    else this.SOFTIRQ_ENTER();
  }
  IRQ_EXIT(irq: IrqKind): void {
    if (irq === 'hard') this.HARDIRQ_EXIT();
    else this.SOFTIRQ_EXIT();
  }
  /** HARDIRQ_DISABLE = local_irq_disable, SOFTIRQ_DISABLE = local_bh_disable */
  IRQ_DISABLE(irq: IrqKind): void {
    if (irq === 'hard') this.k.localIrqDisable();
    else this.k.localBhDisable();
  }
  IRQ_ENABLE(irq: IrqKind): void {
    if (irq === 'hard') this.k.localIrqEnable();
    else this.k.localBhEnable();
  }
}

interface Row {
  /** the selftest function generated for this dotest() call */
  readonly name: string;
  /** print_testname() of the group */
  readonly group: string;
  readonly expect: Verdict;
  /** the kind of the first lockdep report, for F rows */
  readonly kind?: ViolationKind;
  /** wrapped in NON_RT(): not run on PREEMPT_RT */
  readonly nonRt?: boolean;
  readonly body: (h: Harness) => void;
}

const rows: Row[] = [];
const ALL7: readonly LockKind[] = ['spin', 'wlock', 'rlock', 'mutex', 'wsem', 'rsem', 'rtmutex'];

/** DO_TESTCASE_6R: every kind fails except rlock (recursive readers); DO_TESTCASE_6: all fail. */
function six(
  group: string,
  base: string,
  kind: ViolationKind,
  rlockOk: boolean,
  e: (h: Harness, t: LockKind) => void,
): void {
  for (const t of ALL7) {
    const ok = rlockOk && t === 'rlock';
    rows.push({
      name: `${base}_${t}`,
      group,
      expect: ok ? 'S' : 'F',
      kind: ok ? undefined : kind,
      body: (h) => e(h, t),
    });
  }
}

// ------------------------------------------------------------------------------------
// DO_TESTCASE_6R / DO_TESTCASE_6 groups

six('A-A deadlock', 'AA', 'recursive-locking', true, (h, t) => {
  h.LOCK(t, 'X1');
  h.LOCK(t, 'X2'); // this one should fail
});
six('A-B-B-A deadlock', 'ABBA', 'circular-dependency', true, (h, t) => {
  h.LOCK_UNLOCK_2(t, 'A', 'B');
  h.LOCK_UNLOCK_2(t, 'B', 'A'); // fail
});
six('A-B-B-C-C-A deadlock', 'ABBCCA', 'circular-dependency', true, (h, t) => {
  h.LOCK_UNLOCK_2(t, 'A', 'B');
  h.LOCK_UNLOCK_2(t, 'B', 'C');
  h.LOCK_UNLOCK_2(t, 'C', 'A'); // fail
});
six('A-B-C-A-B-C deadlock', 'ABCABC', 'circular-dependency', true, (h, t) => {
  h.LOCK_UNLOCK_2(t, 'A', 'B');
  h.LOCK_UNLOCK_2(t, 'C', 'A');
  h.LOCK_UNLOCK_2(t, 'B', 'C'); // fail
});
six('A-B-B-C-C-D-D-A deadlock', 'ABBCCDDA', 'circular-dependency', true, (h, t) => {
  h.LOCK_UNLOCK_2(t, 'A', 'B');
  h.LOCK_UNLOCK_2(t, 'B', 'C');
  h.LOCK_UNLOCK_2(t, 'C', 'D');
  h.LOCK_UNLOCK_2(t, 'D', 'A'); // fail
});
six('A-B-C-D-B-D-D-A deadlock', 'ABCDBDDA', 'circular-dependency', true, (h, t) => {
  h.LOCK_UNLOCK_2(t, 'A', 'B');
  h.LOCK_UNLOCK_2(t, 'C', 'D');
  h.LOCK_UNLOCK_2(t, 'B', 'D');
  h.LOCK_UNLOCK_2(t, 'D', 'A'); // fail
});
six('A-B-C-D-B-C-D-A deadlock', 'ABCDBCDA', 'circular-dependency', true, (h, t) => {
  h.LOCK_UNLOCK_2(t, 'A', 'B');
  h.LOCK_UNLOCK_2(t, 'C', 'D');
  h.LOCK_UNLOCK_2(t, 'B', 'C');
  h.LOCK_UNLOCK_2(t, 'D', 'A'); // fail
});
six('double unlock', 'double_unlock', 'bad-unlock-balance', false, (h, t) => {
  h.LOCK(t, 'A');
  if (h.k.config.preempt === 'rt') {
    // RT_PREPARE_DBL_UNLOCK(): the second unlock's migrate_enable()/rcu_read_unlock() need a partner
    h.k.migrateDisable();
    h.k.rcuReadLock();
  }
  h.UNLOCK(t, 'A');
  h.UNLOCK(t, 'A'); // fail
});
six('initialize held', 'init_held', 'held-lock-freed', false, (h, t) => {
  h.LOCK(t, 'A');
  h.INIT(t, 'A'); // fail
});

// ------------------------------------------------------------------------------------
// Recursive read-lock and mixed read/write (rlock column and rsem column)

const RW: Row[] = [
  {
    name: 'rlock_AA1',
    group: 'recursive read-lock',
    expect: 'S',
    body: (h) => {
      h.RL('X1');
      h.RL('X1');
    },
  },
  {
    name: 'rsem_AA1',
    group: 'recursive read-lock',
    expect: 'F',
    kind: 'recursive-locking',
    body: (h) => {
      h.rwsem('X1').downRead();
      h.rwsem('X1').downRead();
    },
  },
  {
    name: 'rlock_AA1B',
    group: 'recursive read-lock #2',
    expect: 'S',
    body: (h) => {
      h.RL('X1');
      h.RL('X2');
    },
  },
  {
    name: 'rsem_AA1B',
    group: 'recursive read-lock #2',
    expect: 'F',
    kind: 'recursive-locking',
    body: (h) => {
      h.rwsem('X1').downRead();
      h.rwsem('X2').downRead();
    },
  },
  {
    name: 'rlock_AA2',
    group: 'mixed read-write-lock',
    expect: 'F',
    kind: 'recursive-locking',
    body: (h) => {
      h.RL('X1');
      h.WL('X2');
    },
  },
  {
    name: 'rsem_AA2',
    group: 'mixed read-write-lock',
    expect: 'F',
    kind: 'recursive-locking',
    body: (h) => {
      h.rwsem('X1').downRead();
      h.rwsem('X2').downWrite();
    },
  },
  {
    name: 'rlock_AA3',
    group: 'mixed write-read-lock',
    expect: 'F',
    kind: 'recursive-locking',
    body: (h) => {
      h.WL('X1');
      h.RL('X2');
    },
  },
  {
    name: 'rsem_AA3',
    group: 'mixed write-read-lock',
    expect: 'F',
    kind: 'recursive-locking',
    body: (h) => {
      h.rwsem('X1').downWrite();
      h.rwsem('X2').downRead();
    },
  },
  {
    name: 'rlock_ABBA1',
    group: 'mixed read-lock/lock-write ABBA',
    expect: 'F',
    kind: 'circular-dependency',
    body: (h) => {
      h.RL('X1');
      h.L('Y1');
      h.U('Y1');
      h.RU('X1');
      h.L('Y1');
      h.WL('X1');
      h.WU('X1');
      h.U('Y1');
    },
  },
  {
    name: 'rwsem_ABBA1',
    group: 'mixed read-lock/lock-write ABBA',
    expect: 'F',
    kind: 'circular-dependency',
    body: (h) => {
      const x = h.rwsem('X1'),
        y = h.mutex('Y1');
      x.downRead();
      y.lock();
      y.unlock();
      x.upRead();
      y.lock();
      x.downWrite();
      x.upWrite();
      y.unlock();
    },
  },
  {
    name: 'rlock_ABBA2',
    group: 'mixed read-lock/lock-read ABBA',
    expect: 'S',
    body: (h) => {
      h.RL('X1');
      h.L('Y1');
      h.U('Y1');
      h.RU('X1');
      h.L('Y1');
      h.RL('X1');
      h.RU('X1');
      h.U('Y1');
    },
  },
  {
    name: 'rwsem_ABBA2',
    group: 'mixed read-lock/lock-read ABBA',
    expect: 'F',
    kind: 'circular-dependency',
    body: (h) => {
      const x = h.rwsem('X1'),
        y = h.mutex('Y1');
      x.downRead();
      y.lock();
      y.unlock();
      x.upRead();
      y.lock();
      x.downRead();
      x.upRead();
      y.unlock();
    },
  },
  {
    name: 'rlock_ABBA3',
    group: 'mixed write-lock/lock-write ABBA',
    expect: 'F',
    kind: 'circular-dependency',
    body: (h) => {
      h.WL('X1');
      h.L('Y1');
      h.U('Y1');
      h.WU('X1');
      h.L('Y1');
      h.WL('X1');
      h.WU('X1');
      h.U('Y1');
    },
  },
  {
    name: 'rwsem_ABBA3',
    group: 'mixed write-lock/lock-write ABBA',
    expect: 'F',
    kind: 'circular-dependency',
    body: (h) => {
      const x = h.rwsem('X1'),
        y = h.mutex('Y1');
      x.downWrite();
      y.lock();
      y.unlock();
      x.upWrite();
      y.lock();
      x.downWrite();
      x.upWrite();
      y.unlock();
    },
  },
  {
    // The chain key carries the read mode, so the cached lock(B)+read_lock(A) chain does
    // not hide lock(B)+write_lock(A).
    name: 'rlock_chaincache_ABBA1',
    group: 'chain cached mixed R-L/L-W ABBA',
    expect: 'F',
    kind: 'circular-dependency',
    body: (h) => {
      h.RL('X1');
      h.L('Y1');
      h.U('Y1');
      h.RU('X1');
      h.L('Y1');
      h.RL('X1');
      h.RU('X1');
      h.U('Y1');
      h.L('Y1');
      h.WL('X1');
      h.WU('X1');
      h.U('Y1');
    },
  },
];
rows.push(...RW);

// ------------------------------------------------------------------------------------
// Permutation generators

const PERM2 = ['12', '21'] as const;
const PERM3 = ['123', '132', '213', '231', '312', '321'] as const;

function permuted(perm: string, events: readonly ((h: Harness) => void)[]): (h: Harness) => void {
  return (h) => {
    for (const d of perm) events[Number(d) - 1](h);
  };
}

/** rlock W1R2/W2R3/W3R1 and friends (DO_TESTCASE_6x1RR / 6x1RRB): rwlocks X1, Y1, Z1. */
function rwCycle(
  group: string,
  base: string,
  expect: Verdict,
  ev: readonly (readonly [string, string])[],
): void {
  const events = ev.map(([a, b]) => (h: Harness) => {
    const [ma, xa] = [a[0], `${a[1]}1`];
    const [mb, xb] = [b[0], `${b[1]}1`];
    if (ma === 'W') h.WL(xa);
    else h.RL(xa);
    if (mb === 'W') h.WL(xb);
    else h.RL(xb);
    if (mb === 'W') h.WU(xb);
    else h.RU(xb);
    if (ma === 'W') h.WU(xa);
    else h.RU(xa);
  });
  for (const p of PERM3) {
    rows.push({
      name: `${base}_${p}`,
      group,
      expect,
      kind: expect === 'F' ? 'circular-dependency' : undefined,
      body: permuted(p, events),
    });
  }
}

rwCycle('rlock W1R2/W2R3/W3R1', 'W1R2_W2R3_W3R1', 'F', [
  ['WX', 'RY'],
  ['WY', 'RZ'],
  ['WZ', 'RX'],
]);
rwCycle('rlock W1W2/R2R3/W3R1', 'W1W2_R2R3_W3R1', 'F', [
  ['WX', 'WY'],
  ['RY', 'RZ'],
  ['WZ', 'RX'],
]);
rwCycle('rlock W1W2/R2R3/R3W1', 'W1W2_R2R3_R3W1', 'S', [
  ['WX', 'WY'],
  ['RY', 'RZ'],
  ['RZ', 'WX'],
]);
rwCycle('rlock W1R2/R2R3/W3W1', 'W1R2_R2R3_W3W1', 'S', [
  ['WX', 'RY'],
  ['RY', 'RZ'],
  ['WZ', 'WX'],
]);

const IRQ_KINDS: readonly LockKind[] = ['spin', 'wlock', 'rlock'];

/**
 * DO_TESTCASE_2x6 / 2x3 / 6x6 / 6x6RW: the -hardirq.h and -softirq.h variants of spin,
 * wlock and rlock; spin and wlock fail, rlock (recursive read) does not.
 * `kindOf(perm)` names the report the failing permutation raises.
 */
function irqGroup(
  group: string,
  base: string,
  perms: readonly string[],
  irqs: readonly IrqKind[],
  events: (t: LockKind, irq: IrqKind) => readonly ((h: Harness) => void)[],
  kindOf: (perm: string) => ViolationKind,
  groupNonRt = false,
): void {
  for (const p of perms) {
    for (const irq of irqs) {
      for (const t of IRQ_KINDS) {
        const ok = t === 'rlock';
        rows.push({
          name: `${base}_${irq}_${t}_${p}`,
          group: `${irq}-${group}/${p}`,
          expect: ok ? 'S' : 'F',
          kind: ok ? undefined : kindOf(p),
          nonRt: groupNonRt || irq === 'soft',
          body: permuted(p, events(t, irq)),
        });
      }
    }
  }
}

/** For the three-event irq groups: the event that closes the triangle decides the report. */
function lastEvent(perm: string): string {
  return perm[perm.length - 1];
}
/** E1 adds the dependency (check_irq_usage), E2/E3 change a usage state (mark_lock_irq's BFS). */
const dependencyLast = (perm: string): ViolationKind =>
  lastEvent(perm) === '1' ? 'irq-unsafe-order' : 'irq-inversion';
const inconsistent = (): ViolationKind => 'inconsistent-lock-state';

// locking an irq-safe lock with irqs enabled
irqGroup(
  'irqs-on + irq-safe-A',
  'irqsafe1',
  PERM2,
  ['hard', 'soft'],
  (t, irq) => [
    (h) => {
      h.IRQ_ENTER(irq);
      h.LOCK(t, 'A');
      h.UNLOCK(t, 'A');
      h.IRQ_EXIT(irq);
    },
    (h) => {
      h.LOCK(t, 'A');
      h.UNLOCK(t, 'A');
    },
  ],
  inconsistent,
);

// enabling hardirqs with a softirq-safe lock held (whole group NON_RT; plain lock kinds)
for (const p of PERM2) {
  for (const t of IRQ_KINDS) {
    const ok = t === 'rlock';
    rows.push({
      name: `irqsafe2A_${t}_${p}`,
      group: `sirq-safe-A => hirqs-on/${p}`,
      expect: ok ? 'S' : 'F',
      kind: ok ? undefined : 'inconsistent-lock-state',
      nonRt: true,
      body: permuted(p, [
        (h) => {
          h.SOFTIRQ_ENTER();
          h.LOCK(t, 'A');
          h.UNLOCK(t, 'A');
          h.SOFTIRQ_EXIT();
        },
        (h) => {
          h.k.localIrqDisable();
          h.LOCK(t, 'A');
          h.k.localIrqEnable();
          h.UNLOCK(t, 'A');
        },
      ]),
    });
  }
}

// enabling irqs with an irq-safe lock held
irqGroup(
  'safe-A + irqs-on',
  'irqsafe2B',
  PERM2,
  ['hard', 'soft'],
  (t, irq) => [
    (h) => {
      h.IRQ_ENTER(irq);
      h.LOCK(t, 'A');
      h.UNLOCK(t, 'A');
      h.IRQ_EXIT(irq);
    },
    (h) => {
      h.IRQ_DISABLE(irq);
      h.LOCK(t, 'A');
      h.IRQ_ENABLE(irq);
      h.UNLOCK(t, 'A');
    },
  ],
  inconsistent,
);

// acquiring an irq-unsafe lock while holding an irq-safe lock: A is also taken with
// irqs on in E1, so A's own states conflict first
irqGroup(
  'safe-A + unsafe-B #1',
  'irqsafe3',
  PERM3,
  ['hard', 'soft'],
  (t, irq) => [
    (h) => {
      h.LOCK(t, 'A');
      h.LOCK(t, 'B');
      h.UNLOCK(t, 'B');
      h.UNLOCK(t, 'A');
    },
    (h) => {
      h.LOCK(t, 'B');
      h.UNLOCK(t, 'B');
    },
    (h) => {
      h.IRQ_ENTER(irq);
      h.LOCK(t, 'A');
      h.UNLOCK(t, 'A');
      h.IRQ_EXIT(irq);
    },
  ],
  inconsistent,
);

// a lock turns irq-safe although it earlier took an irq-unsafe lock
irqGroup(
  'safe-A + unsafe-B #2',
  'irqsafe4',
  PERM3,
  ['hard', 'soft'],
  (t, irq) => [
    (h) => {
      h.IRQ_DISABLE(irq);
      h.LOCK(t, 'A');
      h.LOCK(t, 'B');
      h.UNLOCK(t, 'B');
      h.UNLOCK(t, 'A');
      h.IRQ_ENABLE(irq);
    },
    (h) => {
      h.LOCK(t, 'B');
      h.UNLOCK(t, 'B');
    },
    (h) => {
      h.IRQ_ENTER(irq);
      h.LOCK(t, 'A');
      h.UNLOCK(t, 'A');
      h.IRQ_EXIT(irq);
    },
  ],
  dependencyLast,
);

// read-lock / write-lock irq inversion (A is always the rwlock; B is the column's kind)
irqGroup(
  'irq lock-inversion',
  'irq_inversion',
  PERM3,
  ['hard', 'soft'],
  (t, irq) => [
    (h) => {
      h.IRQ_DISABLE(irq);
      h.WL('A');
      h.LOCK(t, 'B');
      h.UNLOCK(t, 'B');
      h.WU('A');
      h.IRQ_ENABLE(irq);
    },
    (h) => {
      h.LOCK(t, 'B');
      h.UNLOCK(t, 'B');
    },
    (h) => {
      h.IRQ_ENTER(irq);
      h.RL('A');
      h.RU('A');
      h.IRQ_EXIT(irq);
    },
  ],
  dependencyLast,
);

/** DO_TESTCASE_6x2x2RW: only the wlock and rlock columns (LOCK is WL or RL). */
function readRecursion(
  group: string,
  base: string,
  events: (t: 'wlock' | 'rlock', irq: IrqKind) => readonly ((h: Harness) => void)[],
  kindOf: (perm: string) => ViolationKind,
): void {
  for (const p of PERM3) {
    for (const irq of ['hard', 'soft'] as const) {
      for (const t of ['wlock', 'rlock'] as const) {
        const ok = t === 'rlock';
        rows.push({
          name: `${base}_${irq}_${t}_${p}`,
          group: `${irq}-${group}/${p}`,
          expect: ok ? 'S' : 'F',
          kind: ok ? undefined : kindOf(p),
          nonRt: irq === 'soft',
          body: permuted(p, events(t, irq)),
        });
      }
    }
  }
}

// read-lock / write-lock recursion that is actually safe (for recursive readers)
readRecursion(
  'irq read-recursion',
  'irq_read_recursion',
  (t, irq) => [
    (h) => {
      h.IRQ_DISABLE(irq);
      h.WL('A');
      h.WU('A');
      h.IRQ_ENABLE(irq);
    },
    (h) => {
      h.RL('A');
      h.RU('A');
    },
    (h) => {
      h.IRQ_ENTER(irq);
      h.LOCK(t, 'A');
      h.L('B');
      h.U('B');
      h.UNLOCK(t, 'A');
      h.IRQ_EXIT(irq);
    },
  ],
  inconsistent,
);

// read-lock / write-lock recursion that is unsafe
readRecursion(
  'irq read-recursion #2',
  'irq_read_recursion2',
  (t, irq) => [
    (h) => {
      h.IRQ_DISABLE(irq);
      h.L('B');
      h.LOCK(t, 'A');
      h.UNLOCK(t, 'A');
      h.U('B');
      h.IRQ_ENABLE(irq);
    },
    (h) => {
      h.RL('A');
      h.RU('A');
    },
    (h) => {
      h.IRQ_ENTER(irq);
      h.L('B');
      h.U('B');
      h.IRQ_EXIT(irq);
    },
  ],
  dependencyLast,
);

// A is ENABLED_*_READ, B is USED_IN_*_READ, B -> A written
readRecursion(
  'irq read-recursion #3',
  'irq_read_recursion3',
  (t, irq) => [
    (h) => {
      h.IRQ_DISABLE(irq);
      h.WL('B');
      h.LOCK(t, 'A');
      h.UNLOCK(t, 'A');
      h.WU('B');
      h.IRQ_ENABLE(irq);
    },
    (h) => {
      h.RL('A');
      h.RU('A');
    },
    (h) => {
      h.IRQ_ENTER(irq);
      h.RL('B');
      h.RU('B');
      h.IRQ_EXIT(irq);
    },
  ],
  dependencyLast,
);

// ------------------------------------------------------------------------------------
// local_lock tests: PERCPU classes are skipped by the irq-usage searches (usage_skip)

rows.push(
  {
    name: 'local_lock_2',
    group: 'local_lock inversion  2',
    expect: 'S',
    body: (h) => {
      h.localA().lock();
      h.localA().unlock(); // IRQ-ON
      h.HARDIRQ_ENTER();
      h.L('A');
      h.U('A');
      h.HARDIRQ_EXIT(); // IN-IRQ
      h.k.localIrqDisable();
      h.L('A');
      h.localA().lock();
      h.localA().unlock();
      h.U('A');
      h.k.localIrqEnable();
    },
  },
  {
    name: 'local_lock_3A',
    group: 'local_lock inversion 3A',
    expect: 'S',
    body: (h) => {
      h.localA().lock();
      h.L('B');
      h.U('B');
      h.localA().unlock();
      h.HARDIRQ_ENTER();
      h.L('A');
      h.U('A');
      h.HARDIRQ_EXIT();
      h.k.localIrqDisable();
      h.L('A');
      h.localA().lock();
      h.localA().unlock();
      h.U('A');
      h.k.localIrqEnable();
    },
  },
  {
    name: 'local_lock_3B',
    group: 'local_lock inversion 3B',
    expect: 'F',
    kind: 'irq-unsafe-order',
    body: (h) => {
      h.localA().lock();
      h.L('B');
      h.U('B');
      h.localA().unlock();
      h.HARDIRQ_ENTER();
      h.L('A');
      h.U('A');
      h.HARDIRQ_EXIT();
      h.k.localIrqDisable();
      h.L('A');
      h.localA().lock();
      h.localA().unlock();
      h.U('A');
      h.k.localIrqEnable();
      h.k.localIrqDisable();
      h.L('A');
      h.L('B');
      h.U('B');
      h.U('A');
      h.k.localIrqDisable();
    },
  },
);

// ------------------------------------------------------------------------------------

const CONFIGS: Record<string, KernelOptions> = {
  '!RT': { preempt: 'full', proveRawLockNesting: true },
  RT: { preempt: 'rt', proveRawLockNesting: true },
};

function run(row: Row, options: KernelOptions): { verdict: Verdict; kind: ViolationKind | null } {
  const h = new Harness(options);
  row.body(h);
  const report = h.k.violations.find(isLockdepReport) ?? null;
  return { verdict: report ? 'F' : 'S', kind: report ? report.kind : null };
}

describe.each(Object.entries(CONFIGS))(
  'locking_selftest() lock-order groups (%s)',
  (cfgName, options) => {
    const table = rows.filter((r) => !(cfgName === 'RT' && r.nonRt));
    it.each(table.map((r) => [r.name, r.group, r]))('%s (%s)', (_name, _group, row) => {
      const got = run(row, options);
      expect(got.verdict).toBe(row.expect);
      expect(got.kind).toBe(row.kind ?? null);
    });
  },
);

describe('the table covers every group of §6.4 before the ww tests', () => {
  it('has the selftest row counts', () => {
    const count = (re: RegExp): number => rows.filter((r) => re.test(r.name)).length;
    // 7 AA-style groups + double unlock + init held, 7 columns each (rtmutex included)
    expect(
      count(
        /^(?:AA|ABBA|ABBCCA|ABCABC|ABBCCDDA|ABCDBDDA|ABCDBCDA|double_unlock|init_held)_[a-z]+$/,
      ),
    ).toBe(9 * 7);
    expect(count(/^irqsafe1_/)).toBe(2 * 2 * 3);
    expect(count(/^irqsafe2A_/)).toBe(2 * 3);
    expect(count(/^irqsafe3_/)).toBe(6 * 2 * 3);
    expect(count(/^irq_inversion_/)).toBe(6 * 2 * 3);
    expect(count(/^irq_read_recursion3?_|^irq_read_recursion2_/)).toBe(3 * 6 * 2 * 2);
    expect(count(/^W1/)).toBe(4 * 6);
    expect(rows.filter((r) => r.nonRt).length).toBeGreaterThan(0);
  });
});
