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

  LOCK(kind: LockKind, x: string): void {
    MACROS[kind].lock(this, x);
  }
  UNLOCK(kind: LockKind, x: string): void {
    MACROS[kind].unlock(this, x);
  }
  /** SI / RWI / MI / RWSI / RTI: re-running the initialiser calls debug_check_no_locks_freed(). */
  INIT(kind: LockKind, x: string): void {
    MACROS[kind].init(this, x);
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

/** The methods of L that take no argument (lock(), downRead(), ...). */
type Call<L> = { [K in keyof L]: L[K] extends () => void ? K : never }[keyof L];

/** The Harness accessors that name a lock: h.spin('A'), h.rw('A'), ... */
type Accessor = 'spin' | 'rw' | 'mutex' | 'rwsem' | 'rtm';

/** What LOCK(), UNLOCK() and INIT() expand to for a kind: the lock h[of](x), two calls. */
function macros<A extends Accessor>(
  of: A,
  lock: Call<ReturnType<Harness[A]>>,
  unlock: Call<ReturnType<Harness[A]>>,
) {
  const call = (h: Harness, x: string, m: Call<ReturnType<Harness[A]>>): void => {
    const l = h[of](x) as ReturnType<Harness[A]>;
    (l[m] as () => void).call(l);
  };
  return {
    lock: (h: Harness, x: string) => call(h, x, lock),
    unlock: (h: Harness, x: string) => call(h, x, unlock),
    init: (h: Harness, x: string) => h[of](x).reinit(),
  };
}

/** locking-selftest-<kind>.h, one line each. */
const MACROS: Record<LockKind, ReturnType<typeof macros>> = {
  spin: macros('spin', 'lock', 'unlock'),
  wlock: macros('rw', 'writeLock', 'writeUnlock'),
  rlock: macros('rw', 'readLock', 'readUnlock'),
  mutex: macros('mutex', 'lock', 'unlock'),
  wsem: macros('rwsem', 'downWrite', 'upWrite'),
  rsem: macros('rwsem', 'downRead', 'upRead'),
  rtmutex: macros('rtm', 'lock', 'unlock'),
};

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

/** One step of a selftest body: what the kernel's E1() / E2() / E3() macros expand to. */
type Ev = (h: Harness) => void;

/** The steps one after another. */
function seq(...evs: readonly Ev[]): Ev {
  return (h) => {
    for (const e of evs) e(h);
  };
}

/** LOCK(x); <inner>; UNLOCK(x); */
function locked(t: LockKind, x: string, inner?: Ev): Ev {
  return (h) => {
    h.LOCK(t, x);
    inner?.(h);
    h.UNLOCK(t, x);
  };
}

/** IRQ_ENTER(); <body>; IRQ_EXIT(); */
function inIrq(irq: IrqKind, body: Ev): Ev {
  return (h) => {
    h.IRQ_ENTER(irq);
    body(h);
    h.IRQ_EXIT(irq);
  };
}

/** IRQ_DISABLE(); <body>; IRQ_ENABLE(); */
function irqsOff(irq: IrqKind, body: Ev): Ev {
  return (h) => {
    h.IRQ_DISABLE(irq);
    body(h);
    h.IRQ_ENABLE(irq);
  };
}

/** local_lock(&local_A); <inner>; local_unlock(&local_A); */
function localA(inner?: Ev): Ev {
  return (h) => {
    h.localA().lock();
    inner?.(h);
    h.localA().unlock();
  };
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
// The name spells the LOCK_UNLOCK_2() pairs in order (ABBCCA: A-B, B-C, then C-A fails),
// and the group prints it with dashes.
for (const base of ['ABBA', 'ABBCCA', 'ABCABC', 'ABBCCDDA', 'ABCDBDDA', 'ABCDBCDA']) {
  six(`${[...base].join('-')} deadlock`, base, 'circular-dependency', true, (h, t) => {
    for (let i = 0; i < base.length; i += 2) h.LOCK_UNLOCK_2(t, base[i], base[i + 1]);
  });
}
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

/** A row of a fixed body (the kernel's hand-written selftest functions); F when `kind` is given. */
function fixed(name: string, group: string, body: Ev, kind?: ViolationKind): void {
  rows.push({ name, group, expect: kind ? 'F' : 'S', kind, body });
}

/** Take x1 then x2 and keep both (X1 and X2 are two instances of one class). */
function both(t1: LockKind, x1: string, t2: LockKind, x2: string): Ev {
  return (h) => {
    h.LOCK(t1, x1);
    h.LOCK(t2, x2);
  };
}

// rlock's readers are recursive (force_read_lock_recursive), rwsem's are not
fixed('rlock_AA1', 'recursive read-lock', both('rlock', 'X1', 'rlock', 'X1'));
fixed('rsem_AA1', 'recursive read-lock', both('rsem', 'X1', 'rsem', 'X1'), 'recursive-locking');
fixed('rlock_AA1B', 'recursive read-lock #2', both('rlock', 'X1', 'rlock', 'X2'));
fixed('rsem_AA1B', 'recursive read-lock #2', both('rsem', 'X1', 'rsem', 'X2'), 'recursive-locking');
fixed(
  'rlock_AA2',
  'mixed read-write-lock',
  both('rlock', 'X1', 'wlock', 'X2'),
  'recursive-locking',
);
fixed('rsem_AA2', 'mixed read-write-lock', both('rsem', 'X1', 'wsem', 'X2'), 'recursive-locking');
fixed(
  'rlock_AA3',
  'mixed write-read-lock',
  both('wlock', 'X1', 'rlock', 'X2'),
  'recursive-locking',
);
fixed('rsem_AA3', 'mixed write-read-lock', both('wsem', 'X1', 'rsem', 'X2'), 'recursive-locking');

/**
 * The mixed ABBA tests: X1 taken as `first` around Y1, then Y1 around X1 taken as `then`.
 * Y1 is a spinlock in the rlock column and a mutex in the rwsem column.
 */
function abba(first: LockKind, then: LockKind, y: 'spin' | 'mutex'): Ev {
  return seq(locked(first, 'X1', locked(y, 'Y1')), locked(y, 'Y1', locked(then, 'X1')));
}

const ABBA = 'circular-dependency';
fixed('rlock_ABBA1', 'mixed read-lock/lock-write ABBA', abba('rlock', 'wlock', 'spin'), ABBA);
fixed('rwsem_ABBA1', 'mixed read-lock/lock-write ABBA', abba('rsem', 'wsem', 'mutex'), ABBA);
fixed('rlock_ABBA2', 'mixed read-lock/lock-read ABBA', abba('rlock', 'rlock', 'spin'));
fixed('rwsem_ABBA2', 'mixed read-lock/lock-read ABBA', abba('rsem', 'rsem', 'mutex'), ABBA);
fixed('rlock_ABBA3', 'mixed write-lock/lock-write ABBA', abba('wlock', 'wlock', 'spin'), ABBA);
fixed('rwsem_ABBA3', 'mixed write-lock/lock-write ABBA', abba('wsem', 'wsem', 'mutex'), ABBA);
// The chain key carries the read mode, so the cached lock(B)+read_lock(A) chain does
// not hide lock(B)+write_lock(A).
fixed(
  'rlock_chaincache_ABBA1',
  'chain cached mixed R-L/L-W ABBA',
  seq(abba('rlock', 'rlock', 'spin'), locked('spin', 'Y1', locked('wlock', 'X1'))),
  ABBA,
);

// ------------------------------------------------------------------------------------
// Permutation generators

const PERM2 = ['12', '21'] as const;
const PERM3 = ['123', '132', '213', '231', '312', '321'] as const;

function permuted(perm: string, events: readonly Ev[]): Ev {
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
  const rw = (mode: string): LockKind => (mode === 'W' ? 'wlock' : 'rlock');
  const events = ev.map(([a, b]) => locked(rw(a[0]), `${a[1]}1`, locked(rw(b[0]), `${b[1]}1`)));
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
 * DO_TESTCASE_2x6 / 2x3 / 6x6 / 6x6RW (columns spin, wlock, rlock) and DO_TESTCASE_6x2x2RW
 * (columns wlock, rlock): the -hardirq.h and -softirq.h variants of each column; spin and
 * wlock fail, rlock (recursive read) does not. `kindOf(perm)` names the report the failing
 * permutation raises.
 */
function irqGroup<T extends LockKind>(
  group: string,
  base: string,
  perms: readonly string[],
  columns: readonly T[],
  events: (t: T, irq: IrqKind) => readonly Ev[],
  kindOf: (perm: string) => ViolationKind,
): void {
  for (const p of perms) {
    for (const irq of ['hard', 'soft'] as const) {
      for (const t of columns) {
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
  IRQ_KINDS,
  (t, irq) => [inIrq(irq, locked(t, 'A')), locked(t, 'A')],
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
        inIrq('soft', locked(t, 'A')),
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
  IRQ_KINDS,
  (t, irq) => [
    inIrq(irq, locked(t, 'A')),
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
  IRQ_KINDS,
  (t, irq) => [locked(t, 'A', locked(t, 'B')), locked(t, 'B'), inIrq(irq, locked(t, 'A'))],
  inconsistent,
);

// a lock turns irq-safe although it earlier took an irq-unsafe lock
irqGroup(
  'safe-A + unsafe-B #2',
  'irqsafe4',
  PERM3,
  IRQ_KINDS,
  (t, irq) => [
    irqsOff(irq, locked(t, 'A', locked(t, 'B'))),
    locked(t, 'B'),
    inIrq(irq, locked(t, 'A')),
  ],
  dependencyLast,
);

// read-lock / write-lock irq inversion (A is always the rwlock; B is the column's kind)
irqGroup(
  'irq lock-inversion',
  'irq_inversion',
  PERM3,
  IRQ_KINDS,
  (t, irq) => [
    irqsOff(irq, locked('wlock', 'A', locked(t, 'B'))),
    locked(t, 'B'),
    inIrq(irq, locked('rlock', 'A')),
  ],
  dependencyLast,
);

/** DO_TESTCASE_6x2x2RW: only the wlock and rlock columns (LOCK is WL or RL). */
const RW_KINDS = ['wlock', 'rlock'] as const;

// read-lock / write-lock recursion that is actually safe (for recursive readers)
irqGroup(
  'irq read-recursion',
  'irq_read_recursion',
  PERM3,
  RW_KINDS,
  (t, irq) => [
    irqsOff(irq, locked('wlock', 'A')),
    locked('rlock', 'A'),
    inIrq(irq, locked(t, 'A', locked('spin', 'B'))),
  ],
  inconsistent,
);

// read-lock / write-lock recursion that is unsafe
irqGroup(
  'irq read-recursion #2',
  'irq_read_recursion2',
  PERM3,
  RW_KINDS,
  (t, irq) => [
    irqsOff(irq, locked('spin', 'B', locked(t, 'A'))),
    locked('rlock', 'A'),
    inIrq(irq, locked('spin', 'B')),
  ],
  dependencyLast,
);

// A is ENABLED_*_READ, B is USED_IN_*_READ, B -> A written
irqGroup(
  'irq read-recursion #3',
  'irq_read_recursion3',
  PERM3,
  RW_KINDS,
  (t, irq) => [
    irqsOff(irq, locked('wlock', 'B', locked(t, 'A'))),
    locked('rlock', 'A'),
    inIrq(irq, locked('rlock', 'B')),
  ],
  dependencyLast,
);

// ------------------------------------------------------------------------------------
// local_lock tests: PERCPU classes are skipped by the irq-usage searches (usage_skip)

/** lock_A taken in hard irq (IN-IRQ), then local_A inside lock_A with irqs off. */
const aInIrqThenLocalInsideA = seq(
  inIrq('hard', locked('spin', 'A')),
  irqsOff('hard', locked('spin', 'A', localA())),
);
/** local_lock_3A's body: local_A (IRQ-ON) around lock_B first. */
const localAroundB = seq(localA(locked('spin', 'B')), aInIrqThenLocalInsideA);

fixed('local_lock_2', 'local_lock inversion  2', seq(localA(), aInIrqThenLocalInsideA));
fixed('local_lock_3A', 'local_lock inversion 3A', localAroundB);
fixed(
  'local_lock_3B',
  'local_lock inversion 3B',
  seq(
    localAroundB,
    // lock_A -> lock_B with irqs off closes IN-IRQ <-> IRQ-ON; the kernel's test ends with
    // a second HARDIRQ_DISABLE(), kept as it is
    (h) => h.k.localIrqDisable(),
    locked('spin', 'A', locked('spin', 'B')),
    (h) => h.k.localIrqDisable(),
  ),
  'irq-unsafe-order',
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
