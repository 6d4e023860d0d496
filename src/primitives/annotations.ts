/**
 * Lockdep annotations that are not locks of their own: SRCU read sections, seqcounts,
 * a raw lockdep_map with explicit wait types, and DEFINE_WAIT_OVERRIDE_MAP().
 */
import type { LockdepMap } from '../core/lockdepMap';
import { LockBase, type CallOptions } from './lockBase';
import type { Runtime } from './runtime';

/** struct srcu_struct: lockdep_init_map() without wait types ({0:0}); readers are recursive. */
export class Srcu extends LockBase {
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map);
  }
  /** srcu_read_lock(): srcu_lock_acquire() = lock_map_acquire_read(). */
  readLock(o: CallOptions = {}): void {
    this.op(() => void this.r.m.acquire(this.map, { read: 2, at: o.at ?? 'srcu_read_lock' }));
  }
  readUnlock(o: CallOptions = {}): void {
    this.op(() => void this.r.m.release(this.map, o.at ?? 'srcu_read_unlock'));
  }
  /**
   * synchronize_srcu(): srcu_lock_sync() = lock_map_sync() (lock_sync(map, 0, read 0,
   * check 1): validated as a write acquisition, nothing pushed), so waiting for readers
   * while holding what a reader takes is a circular dependency, and synchronize_srcu()
   * inside its own read section is recursive locking; then might_sleep().
   */
  synchronize(o: CallOptions = {}): void {
    this.op(() => {
      this.r.m.acquire(this.map, { sync: true, at: o.at ?? 'synchronize_srcu' });
      this.r.m.mightSleep('kernel/rcu/srcutree.c:1410', `synchronize_srcu(${this.map.name})`);
    });
  }
}

/** seqcount_t: unchecked map ({0:0}); the writer is exclusive, readers recursive. */
export class Seqcount extends LockBase {
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map);
  }
  writeBegin(o: CallOptions = {}): void {
    this.op(() => void this.r.m.acquire(this.map, { at: o.at ?? 'write_seqcount_begin' }));
  }
  writeEnd(o: CallOptions = {}): void {
    this.op(() => void this.r.m.release(this.map, o.at ?? 'write_seqcount_end'));
  }
  /** read_seqcount_begin(): seqcount_lockdep_reader_access() takes and drops a read map with irqs saved. */
  readBegin(o: CallOptions = {}): void {
    this.op(() => {
      const at = o.at ?? 'read_seqcount_begin';
      const flags = this.r.m.irqSave();
      this.r.m.acquire(this.map, { read: 2, at });
      this.r.m.release(this.map, at);
      this.r.m.irqRestore(flags);
    });
  }
}

export interface MapAcquireOptions extends CallOptions {
  /** 0 exclusive (default), 1 reader, 2 recursive reader */
  readonly read?: 0 | 1 | 2 | undefined;
  readonly trylock?: boolean | undefined;
  /** false: no dependency/usage validation (the wait-type check still runs) */
  readonly check?: boolean | undefined;
  readonly subclass?: number | undefined;
}

/** A bare struct lockdep_map (lock_map_acquire() and friends). */
export class LockdepMapAnnotation extends LockBase {
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map);
  }
  /** lock_acquire() with explicit arguments */
  acquire(o: MapAcquireOptions = {}): void {
    this.op(
      () =>
        void this.r.m.acquire(this.map, {
          read: o.read,
          trylock: o.trylock,
          check: o.check,
          subclass: o.subclass,
          at: o.at ?? 'lock_map_acquire',
        }),
    );
  }
  /** lock_map_acquire_try() */
  acquireTry(o: CallOptions = {}): void {
    this.acquire({ trylock: true, at: o.at ?? 'lock_map_acquire_try' });
  }
  /** lock_map_acquire_read() */
  acquireRead(o: CallOptions = {}): void {
    this.acquire({ read: 2, at: o.at ?? 'lock_map_acquire_read' });
  }
  release(o: CallOptions = {}): void {
    this.op(() => void this.r.m.release(this.map, o.at ?? 'lock_map_release'));
  }
}

/** DEFINE_WAIT_OVERRIDE_MAP(name, type): taken with lock_map_acquire_try(). */
export class WaitOverrideMap extends LockdepMapAnnotation {
  /** lock_map_acquire_try(&map): how overrides are entered */
  enter(o: CallOptions = {}): void {
    this.acquireTry({ at: o.at ?? 'lock_map_acquire_try' });
  }
  exit(o: CallOptions = {}): void {
    this.release({ at: o.at ?? 'lock_map_release' });
  }
}
