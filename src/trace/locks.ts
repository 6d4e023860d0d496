/**
 * Declared trace locks as Kernel objects: one adapter per lock type maps the trace's
 * `lock` / `unlock` to the primitive's own API (spin_lock, read_lock, down_read,
 * srcu_read_lock, write_seqcount_begin, lock_map_acquire, ...), so a replay exercises
 * exactly what a test written against the Kernel API would.
 */
import type { Kernel } from '../kernel';
import type { LockBase } from '../primitives/lockBase';
import type { DeclaredLock, MapLockDecl, PrimitiveLockDecl } from './schema';

/** Which `lock` fields a lock type accepts. */
export interface LockCaps {
  /** `read`: not accepted, optional (the lock has both sides), or read side only (true only) */
  readonly read: 'no' | 'optional' | 'always';
  /** `try` on the write (exclusive) side, and on the read side */
  readonly tryWrite: boolean;
  readonly tryRead: boolean;
  readonly subclass: boolean;
  readonly nest: boolean;
}

const SPIN: LockCaps = { read: 'no', tryWrite: true, tryRead: false, subclass: true, nest: true };

export const LOCK_CAPS: Readonly<Record<DeclaredLock['kind'], LockCaps>> = {
  raw_spinlock: SPIN,
  spinlock: SPIN,
  mutex: SPIN,
  rt_mutex: SPIN,
  rwlock: { read: 'optional', tryWrite: true, tryRead: true, subclass: false, nest: false },
  local_lock: { read: 'no', tryWrite: true, tryRead: false, subclass: false, nest: false },
  rwsem: { read: 'optional', tryWrite: true, tryRead: true, subclass: true, nest: true },
  percpu_rwsem: { read: 'optional', tryWrite: false, tryRead: true, subclass: false, nest: false },
  srcu: { read: 'always', tryWrite: false, tryRead: false, subclass: false, nest: false },
  seqcount: { read: 'no', tryWrite: false, tryRead: false, subclass: false, nest: false },
  map: { read: 'optional', tryWrite: true, tryRead: true, subclass: true, nest: false },
  // entered with lock_map_acquire_try() whether or not the event says "try"
  'wait-override': { read: 'no', tryWrite: true, tryRead: false, subclass: false, nest: false },
  rcu: { read: 'always', tryWrite: false, tryRead: false, subclass: false, nest: false },
};

/** The primitives' call options for an event: none unless it names a site (no allocation). */
type Site = { readonly at: string } | undefined;
const site = (at: string | undefined): Site => (at === undefined ? undefined : { at });

/** `_nested()` / `_nest_lock()` options, built only when the event has any. */
function nestOptions(
  subclass: number | undefined,
  nestLock: LockBase | null,
  at: string | undefined,
): { subclass?: number; nestLock: LockBase | null; at?: string } | undefined {
  return subclass === undefined && nestLock === null && at === undefined
    ? undefined
    : { subclass, nestLock, at };
}

/** A declared lock bound to one Kernel. */
export interface ReplayLock {
  readonly name: string;
  readonly kind: DeclaredLock['kind'];
  /** the primitive object, for `nest` references; null for the RCU maps */
  readonly primitive: LockBase | null;
  /**
   * Acquire as the event says (positional, so the hot path builds no request object);
   * false when a trylock fails (the lock is taken). `nestLock`: another declared lock.
   */
  acquire(
    read: boolean,
    trylock: boolean,
    subclass: number | undefined,
    nestLock: LockBase | null,
    at: string | undefined,
  ): boolean;
  release(at: string | undefined): void;
  /** drop per-task state kept for `comm`, which has exited */
  forget(comm: string): void;
}

type Acquire = ReplayLock['acquire'];

interface Side {
  lock(
    read: boolean,
    trylock: boolean,
    subclass: number | undefined,
    nestLock: LockBase | null,
    at: string | undefined,
  ): boolean;
  unlock(read: boolean, at: string | undefined): void;
}

/**
 * A lock with read and write sides: remembers, per task, the side of each acquisition
 * still held, so `unlock` calls the matching release (read_unlock vs write_unlock).
 */
class TwoSided implements ReplayLock {
  private readonly sides = new Map<string, boolean[]>();
  constructor(
    private readonly k: Kernel,
    readonly name: string,
    readonly kind: DeclaredLock['kind'],
    readonly primitive: LockBase,
    private readonly side: Side,
  ) {}

  acquire(
    read: boolean,
    trylock: boolean,
    subclass: number | undefined,
    nestLock: LockBase | null,
    at: string | undefined,
  ): boolean {
    if (!this.side.lock(read, trylock, subclass, nestLock, at)) return false;
    const comm = this.k.current;
    let s = this.sides.get(comm);
    if (!s) this.sides.set(comm, (s = []));
    s.push(read);
    return true;
  }

  release(at: string | undefined): void {
    // Not held by this task: the write-side release, which lockdep reports as unbalanced.
    const s = this.sides.get(this.k.current);
    const read = s !== undefined && s.length > 0 ? s.pop()! : false;
    this.side.unlock(read, at);
  }

  forget(comm: string): void {
    this.sides.delete(comm);
  }
}

class OneSided implements ReplayLock {
  constructor(
    readonly name: string,
    readonly kind: DeclaredLock['kind'],
    readonly primitive: LockBase | null,
    readonly acquire: Acquire,
    readonly release: (at: string | undefined) => void,
  ) {}

  forget(): void {}
}

/** Create the Kernel object for a declaration. */
export function createReplayLock(k: Kernel, d: DeclaredLock): ReplayLock {
  const name = d.name;
  const init = { key: d.decl?.class };
  switch (d.kind) {
    case 'raw_spinlock':
    case 'spinlock':
    case 'mutex':
    case 'rt_mutex': {
      const l =
        d.kind === 'raw_spinlock'
          ? k.rawSpinlock(name, init)
          : d.kind === 'spinlock'
            ? k.spinlock(name, init)
            : d.kind === 'mutex'
              ? k.mutex(name, init)
              : k.rtMutex(name, init);
      return new OneSided(
        name,
        d.kind,
        l,
        (_read, trylock, subclass, nestLock, at) =>
          trylock ? l.trylock(site(at)) : (l.lock(nestOptions(subclass, nestLock, at)), true),
        (at) => l.unlock(site(at)),
      );
    }
    case 'local_lock': {
      const l = k.localLock(name, init);
      return new OneSided(
        name,
        d.kind,
        l,
        (_read, trylock, _subclass, _nest, at) =>
          trylock ? l.trylock(site(at)) : (l.lock(site(at)), true),
        (at) => l.unlock(site(at)),
      );
    }
    case 'rwlock': {
      const l = k.rwlock(name, { ...init, queued: (d.decl as PrimitiveLockDecl).queued ?? true });
      return new TwoSided(k, name, d.kind, l, {
        lock: (read, trylock, _subclass, _nest, at) => {
          const o = site(at);
          if (trylock) return read ? l.readTrylock(o) : l.writeTrylock(o);
          if (read) l.readLock(o);
          else l.writeLock(o);
          return true;
        },
        unlock: (read, at) => (read ? l.readUnlock(site(at)) : l.writeUnlock(site(at))),
      });
    }
    case 'rwsem': {
      const l = k.rwsem(name, init);
      return new TwoSided(k, name, d.kind, l, {
        lock: (read, trylock, subclass, nestLock, at) => {
          if (trylock) return read ? l.downReadTrylock(site(at)) : l.downWriteTrylock(site(at));
          if (read) l.downRead(nestOptions(subclass, nestLock, at));
          else l.downWrite(nestOptions(subclass, nestLock, at));
          return true;
        },
        unlock: (read, at) => (read ? l.upRead(site(at)) : l.upWrite(site(at))),
      });
    }
    case 'percpu_rwsem': {
      const l = k.percpuRwsem(name, init);
      return new TwoSided(k, name, d.kind, l, {
        lock: (read, trylock, _subclass, _nest, at) => {
          if (trylock) return l.downReadTrylock(site(at));
          if (read) l.downRead(site(at));
          else l.downWrite(site(at));
          return true;
        },
        unlock: (read, at) => (read ? l.upRead(site(at)) : l.upWrite(site(at))),
      });
    }
    case 'srcu': {
      const l = k.srcu(name, init);
      return new OneSided(
        name,
        d.kind,
        l,
        (_read, _try, _subclass, _nest, at) => (l.readLock(site(at)), true),
        (at) => l.readUnlock(site(at)),
      );
    }
    case 'seqcount': {
      const l = k.seqcount(name, init);
      return new OneSided(
        name,
        d.kind,
        l,
        (_read, _try, _subclass, _nest, at) => (l.writeBegin(site(at)), true),
        (at) => l.writeEnd(site(at)),
      );
    }
    case 'map':
    case 'wait-override': {
      const m = d.decl as MapLockDecl;
      const l = k.lockdepMap(name, {
        inner: m.wait.inner,
        outer: m.wait.outer,
        lockType: m.lockType,
        key: m.class,
      });
      if (d.kind === 'wait-override') {
        // DEFINE_WAIT_OVERRIDE_MAP() maps are entered with lock_map_acquire_try().
        const o = l as ReturnType<Kernel['waitOverrideMap']>;
        return new OneSided(
          name,
          d.kind,
          l,
          (_read, _try, _subclass, _nest, at) => (o.enter(site(at)), true),
          (at) => o.exit(site(at)),
        );
      }
      // lock_map_acquire_read() is a recursive read (read=2).
      return new OneSided(
        name,
        d.kind,
        l,
        (read, trylock, subclass, _nest, at) => (
          l.acquire({ read: read ? 2 : 0, trylock, subclass, at }),
          true
        ),
        (at) => l.release(site(at)),
      );
    }
    case 'rcu': {
      const [lock, unlock] =
        name === 'rcu_read_lock'
          ? [() => k.rcuReadLock(), () => k.rcuReadUnlock()]
          : name === 'rcu_read_lock_bh'
            ? [() => k.rcuReadLockBh(), () => k.rcuReadUnlockBh()]
            : [() => k.rcuReadLockSched(), () => k.rcuReadUnlockSched()];
      return new OneSided(
        name,
        d.kind,
        null,
        () => (lock(), true),
        () => unlock(),
      );
    }
  }
}
