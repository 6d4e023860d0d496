/**
 * Limits turn lockdep off as debug_locks_off() does (kernel/locking/lockdep.c): after
 * "BUG: MAX_LOCK_DEPTH too low!" (__lock_acquire), "BUG: MAX_LOCKDEP_KEYS too low!"
 * (register_lock_class), "...ENTRIES" (alloc_list_entry), "...CHAINS" (add_chain_cache)
 * and "BUG: looking up invalid subclass" (look_up_lock_class), nothing more is
 * validated or reported, under every policy, and the summary names the limit and the
 * event that hit it.
 */
import { createKernel, POLICIES, type Kernel, type KernelOptions } from '../../src';

type Limit = {
  name: string;
  limit: string;
  options: KernelOptions;
  /** operations that hit the limit */
  hit: (k: Kernel) => void;
};

const spin = (k: Kernel, name: string) => k.lockdepMap(name, { inner: 'spin' }).map;
const nest = (k: Kernel, names: string[], subclass = 0) => {
  const maps = names.map((n) => spin(k, n));
  for (const m of maps) k.machine.op(() => k.machine.acquire(m, { subclass }));
  for (const m of maps.reverse()) k.machine.op(() => k.machine.release(m));
};

const LIMITS: Limit[] = [
  {
    name: 'MAX_LOCK_DEPTH (__lock_acquire)',
    limit: 'MAX_LOCK_DEPTH',
    options: { limits: { maxLockDepth: 3 } },
    hit: (k) => nest(k, ['d0', 'd1', 'd2']),
  },
  {
    name: 'MAX_LOCKDEP_KEYS (register_lock_class)',
    limit: 'MAX_LOCKDEP_KEYS',
    options: { limits: { maxClasses: 2 } },
    hit: (k) => nest(k, ['k0', 'k1', 'k2']),
  },
  {
    name: 'MAX_LOCKDEP_ENTRIES (alloc_list_entry)',
    limit: 'MAX_LOCKDEP_ENTRIES',
    options: { limits: { maxEntries: 2 } },
    hit: (k) => nest(k, ['e0', 'e1', 'e2']),
  },
  {
    name: 'MAX_LOCKDEP_CHAINS (add_chain_cache)',
    limit: 'MAX_LOCKDEP_CHAINS',
    options: { limits: { maxChains: 2 } },
    hit: (k) => nest(k, ['c0', 'c1', 'c2']),
  },
  {
    name: 'invalid subclass (look_up_lock_class)',
    limit: 'MAX_LOCKDEP_SUBCLASSES',
    options: {},
    hit: (k) => nest(k, ['s0'], 8),
  },
];

describe.each(POLICIES)('policy %s', (policy) => {
  it.each(LIMITS)('$name: lockdep is off, a later ABBA is not reported', (l) => {
    const k = createKernel({ ...l.options, policy });
    let threw = 0;
    const tryRun = (fn: () => void) => {
      try {
        fn();
      } catch {
        threw++;
      }
    };
    tryRun(() => l.hit(k));
    const off = k.summary().lockdepOff;
    expect(off?.limit).toBe(l.limit);
    const reported = k.violations.length;
    expect(reported).toBe(1);
    const offEvent = k.violations[0].event;
    expect(off?.event).toBe(offEvent);
    expect(k.debugLocks).toBe(false);
    // ABBA: for MAX_LOCKDEP_KEYS on the two classes registered before the limit
    const a = spin(k, 'k0');
    const b = spin(k, 'k1');
    tryRun(() => {
      k.machine.op(() => {
        k.machine.acquire(a);
        k.machine.acquire(b);
        k.machine.release(b);
        k.machine.release(a);
      });
    });
    tryRun(() => {
      k.machine.op(() => {
        k.machine.acquire(b);
        k.machine.acquire(a);
        k.machine.release(a);
        k.machine.release(b);
      });
    });
    // DEBUG_LOCKS_WARN_ON() and RCU_LOCKDEP_WARN() read debug_locks too
    tryRun(() => k.machine.op(() => k.machine.hardirqExit()));
    tryRun(() => k.machine.op(() => k.machine.rcuLockdepWarn(true, 'x.c:1', 'suspicious')));
    expect(k.violations.map((v) => v.kind)).toHaveLength(reported);
    expect(k.suppressed).toHaveLength(0);
    expect(threw).toBe(policy === 'throw' ? 1 : 0);
  });
});

it('before any limit, the summary says lockdep is on', () => {
  const k = createKernel();
  expect(k.summary().lockdepOff).toBeNull();
});
