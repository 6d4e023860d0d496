/**
 * The library under misuse (issue 15): every public call checks its arguments before it
 * changes anything, so a rejected call leaves preempt_count, irq flags, held locks and
 * the event count as they were, and later correct code reports exactly what it would
 * have. Listeners are isolated from the operation that raised what they receive.
 */
import { runs } from '../helpers/fuzz';
import fc from 'fast-check';
import {
  createKernel,
  LockdepError,
  LockdepViolationError,
  UsageError,
  type Kernel,
  type Violation,
} from '../../src';

/** Everything a rejected call must leave alone. */
function state(k: Kernel) {
  return {
    preemptCount: k.preemptCount(),
    irqsDisabled: k.irqsDisabled(),
    held: k.heldLocks().map((h) => h.name),
    events: k.summary().events,
    violations: k.violations.length,
  };
}

// Calls are made through an untyped view: these are the mistakes a JavaScript caller (or
// a TypeScript caller with a cast) can make, which the types alone do not stop.
type Loose = Record<string, (...args: unknown[]) => unknown>;
const loose = (x: object) => x as unknown as Loose;

describe('arguments are checked before any state changes', () => {
  const other = createKernel().spinlock('other_kernels_lock');
  const cases: [string, (k: Kernel) => void, RegExp][] = [
    // lock({ subclass: -1 }) used to raise preempt_count before the subclass check threw
    ['spin_lock_nested(-1)', (k) => k.spinlock('A').lock({ subclass: -1 }), /subclass/],
    ['raw_spin_lock_nested(1.5)', (k) => k.rawSpinlock('A').lock({ subclass: 1.5 }), /subclass/],
    ['spin_lock_irq(subclass NaN)', (k) => k.spinlock('A').lockIrq({ subclass: NaN }), /subclass/],
    [
      'spin_lock_irqsave(subclass "1")',
      (k) => loose(k.spinlock('A')).lockIrqsave({ subclass: '1' }),
      /subclass/,
    ],
    ['spin_lock_bh(subclass -2)', (k) => k.spinlock('A').lockBh({ subclass: -2 }), /subclass/],
    ['mutex_lock_nested(-1)', (k) => k.mutex('M').lock({ subclass: -1 }), /subclass/],
    ['down_write_nested(-1)', (k) => k.rwsem('S').downWrite({ subclass: -1 }), /subclass/],
    // flags that are not flags
    [
      'spin_unlock_irqrestore({ bogus: 1 })',
      (k) => loose(k.spinlock('A')).unlockIrqrestore({ bogus: 1 }),
      /flags/,
    ],
    ['spin_unlock_irqrestore(null)', (k) => loose(k.spinlock('A')).unlockIrqrestore(null), /flags/],
    ['local_irq_restore(1)', (k) => loose(k).localIrqRestore(1), /flags/],
    [
      'write_unlock_irqrestore(undefined)',
      (k) => loose(k.rwlock('RW')).writeUnlockIrqrestore(undefined),
      /flags/,
    ],
    [
      'local_unlock_irqrestore("yes")',
      (k) => loose(k.localLock('L')).unlockIrqrestore('yes'),
      /flags/,
    ],
    // nest_lock that is not a lock, or belongs to another kernel
    ['spin_lock_nest_lock({})', (k) => loose(k.spinlock('A')).lock({ nestLock: {} }), /nestLock/],
    [
      'mutex_lock_nest_lock(foreign)',
      (k) => k.mutex('M').lock({ nestLock: other }),
      /another kernel/,
    ],
    // options that are not options
    ['spin_lock(null)', (k) => loose(k.spinlock('A')).lock(null), /options/],
    ['mutex_unlock(5)', (k) => loose(k.mutex('M')).unlock(5), /options/],
    ['read_lock({ at: 7 })', (k) => loose(k.rwlock('RW')).readLock({ at: 7 }), /options\.at/],
    ['irqEnter({ threaded: "yes" })', (k) => loose(k).irqEnter({ threaded: 'yes' }), /threaded/],
    ['hardirq(not a function)', (k) => loose(k).hardirq(42), /function/],
    ['switchTo(cpu 99)', (k) => k.switchTo('worker', 99), /cpu 99/],
    [
      'lock_acquire({ read: 3 })',
      (k) => loose(k.lockdepMap('map', { inner: 'spin' })).acquire({ read: 3 }),
      /read/,
    ],
  ];

  it.each(cases)(
    '%s is a UsageError naming the argument, with nothing changed',
    (_, call, what) => {
      const k = createKernel();
      const held = k.rawSpinlock('held');
      held.lock();
      const before = state(k);
      let err: unknown;
      try {
        call(k);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(what);
      expect(state(k)).toEqual(before);
    },
  );

  it('after a rejected lock({ subclass: -1 }), correct code reports once, as it would have', () => {
    const k = createKernel();
    const a = k.spinlock('A');
    expect(() => a.lock({ subclass: -1 })).toThrow(UsageError);
    expect(k.preemptCount()).toBe(0);
    a.lock();
    a.unlock();
    k.mightSleep();
    expect(k.violations).toEqual([]);
  });
});

describe('listeners are isolated', () => {
  it('a throwing listener neither hides the violation from the listeners after it nor leaves the model half updated', () => {
    const k = createKernel();
    const seen: string[] = [];
    k.on(() => {
      throw new Error('listener bug');
    });
    k.on((v) => seen.push(v.kind));
    const raw = k.rawSpinlock('raw');
    const s = k.spinlock('s');
    raw.lock();
    expect(() => s.lock()).toThrow('listener bug');
    expect(seen).toEqual(['invalid-wait-context']);
    // the lock that raised it was taken completely: held, preempt_count counted
    expect(k.heldLocks().map((h) => h.name)).toEqual(['raw', 's']);
    expect(k.preemptCount()).toBe(2);
    s.unlock();
    raw.unlock();
    expect(k.preemptCount()).toBe(0);
    expect(k.heldLocks()).toEqual([]);
  });

  it('under `throw`, a listener that takes locks leaves no locks held, and what it raised is delivered too', () => {
    const k = createKernel({ policy: 'throw' });
    const raw = k.rawSpinlock('raw');
    const s = k.spinlock('s');
    const inner = k.mutex('listener_mutex');
    const seen: string[] = [];
    k.on((v: Violation) => {
      seen.push(v.kind);
      // sleeping lock under the raw spinlock still held by the caller: its own report
      if (seen.length === 1) {
        inner.lock();
        inner.unlock();
      }
    });
    raw.lock();
    let err: unknown;
    try {
      s.lock();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockdepViolationError);
    expect((err as LockdepViolationError).violation.kind).toBe('invalid-wait-context');
    expect(seen[0]).toBe('invalid-wait-context');
    expect(seen.length).toBeGreaterThan(1); // the listener's own mutex_lock() was reported to it
    expect(k.heldLocks().map((h) => h.name)).toEqual(['raw', 's']);
    expect(k.tasksHoldingLocks()).toEqual([k.current]);
  });

  it('under `throw`, a listener error rides on the violation error as its cause', () => {
    const k = createKernel({ policy: 'throw' });
    const bug = new Error('listener bug');
    k.on(() => {
      throw bug;
    });
    k.rawSpinlock('raw').lock();
    let err: unknown;
    try {
      k.spinlock('s').lock();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockdepViolationError);
    expect((err as Error).cause).toBe(bug);
  });
});

describe('property: random public calls, valid or not, never raise an internal error', () => {
  const BAD = [undefined, null, -1, 1.5, NaN, 'x', {}, { bogus: 1 }, [], true] as const;
  type Call = {
    readonly target: number;
    readonly op: number;
    readonly arg: number;
    readonly bad: boolean;
  };

  function run(k: Kernel, calls: readonly Call[]): void {
    const raw = k.rawSpinlock('raw');
    const spin = k.spinlock('spin');
    const rw = k.rwlock('rw');
    const mtx = k.mutex('mtx');
    const sem = k.rwsem('sem');
    const local = k.localLock('local');
    const targets: [object, string[]][] = [
      [
        raw,
        ['lock', 'unlock', 'lockIrqsave', 'unlockIrqrestore', 'lockIrq', 'unlockIrq', 'trylock'],
      ],
      [spin, ['lock', 'unlock', 'lockBh', 'unlockBh', 'lockIrqsave', 'unlockIrqrestore']],
      [rw, ['readLock', 'readUnlock', 'writeLockIrqsave', 'writeUnlockIrqrestore', 'readTrylock']],
      [mtx, ['lock', 'unlock', 'trylock', 'lockInterruptible']],
      [sem, ['downRead', 'upRead', 'downWrite', 'upWrite', 'downgradeWrite']],
      [local, ['lock', 'unlock', 'lockIrqsave', 'unlockIrqrestore']],
      [
        k,
        [
          'localIrqSave',
          'localIrqRestore',
          'preemptDisable',
          'preemptEnable',
          'rcuReadLock',
          'rcuReadUnlock',
          'irqEnter',
          'irqExit',
          'localBhDisable',
          'localBhEnable',
        ],
      ],
    ];
    for (const c of calls) {
      const [obj, names] = targets[c.target % targets.length];
      const name = names[c.op % names.length];
      const good: unknown[] =
        name.endsWith('Irqrestore') || name === 'localIrqRestore' ? [c.arg % 2 === 0] : [];
      const args = c.bad ? [BAD[c.arg % BAD.length], BAD[(c.arg >> 4) % BAD.length]] : good;
      const before = state(k);
      try {
        loose(obj)[name](...args);
      } catch (e) {
        // only documented errors; and a rejected call changed nothing
        expect(e).toBeInstanceOf(LockdepError);
        if (e instanceof UsageError) expect(state(k)).toEqual(before);
      }
    }
  }

  it('holds for 300 random programs', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            target: fc.nat(),
            op: fc.nat(),
            arg: fc.nat(),
            bad: fc.boolean(),
          }),
          { maxLength: 60 },
        ),
        fc.constantFrom<'collect' | 'first' | 'throw'>('collect', 'first', 'throw'),
        (calls, policy) => {
          run(createKernel({ policy }), calls);
        },
      ),
      runs(300, 0x10cd),
    );
  });
});
