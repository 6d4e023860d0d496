/**
 * Lockdep annotations that are not locks of their own: SRCU read sections, seqcounts,
 * a raw lockdep_map with explicit wait types, and DEFINE_WAIT_OVERRIDE_MAP().
 */
import { UsageError } from '../core/errors';
import type { LockdepMap } from '../core/lockdepMap';
import { LD_LOCK, LD_WAIT } from '../core/waitType';
import {
  checkOptions,
  checkSubclass,
  LockBase,
  NO_OPTIONS,
  type CallOptions,
  type LockWaitTypes,
} from './lockBase';
import type { Runtime } from './runtime';

/** struct srcu_struct: lockdep_init_map() without wait types ({0:0}); readers are recursive. */
export class Srcu extends LockBase {
  /** @internal init_srcu_struct(): {0:0} */
  static readonly decl: LockWaitTypes = {
    inner: LD_WAIT.INV,
    outer: LD_WAIT.INV,
    lockType: LD_LOCK.NORMAL,
  };
  /** @internal */
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map);
  }
  private readonly readLockBody = (at: string): void => {
    this.r.m.acquireWith(this.map, 0, false, 2, true, null, at);
  };
  private readonly releaseBody = (at: string): void => {
    this.r.m.release(this.map, at);
  };
  /** srcu_read_lock(): srcu_lock_acquire() = lock_map_acquire_read(). */
  readLock(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'srcu_read_lock');
    this.run(this.readLockBody, o.at ?? 'srcu_read_lock', undefined);
  }
  readUnlock(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'srcu_read_unlock');
    this.run(this.releaseBody, o.at ?? 'srcu_read_unlock', undefined);
  }
  private readonly synchronizeBody = (at: string): void => {
    this.r.m.acquireWith(this.map, 0, false, 0, true, null, at, true);
    this.r.m.mightSleep('kernel/rcu/srcutree.c:1410', `synchronize_srcu(${this.map.name})`);
  };
  /**
   * synchronize_srcu(): srcu_lock_sync() = lock_map_sync() (lock_sync(map, 0, read 0,
   * check 1): validated as a write acquisition, nothing pushed), so waiting for readers
   * while holding what a reader takes is a circular dependency, and synchronize_srcu()
   * inside its own read section is recursive locking; then might_sleep().
   */
  synchronize(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'synchronize_srcu');
    this.run(this.synchronizeBody, o.at ?? 'synchronize_srcu', undefined);
  }
}

/** seqcount_t: unchecked map ({0:0}); the writer is exclusive, readers recursive. */
export class Seqcount extends LockBase {
  /** @internal seqcount_init(): {0:0} */
  static readonly decl: LockWaitTypes = {
    inner: LD_WAIT.INV,
    outer: LD_WAIT.INV,
    lockType: LD_LOCK.NORMAL,
  };
  /** @internal */
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map);
  }
  private readonly writeBeginBody = (at: string): void => {
    this.r.m.acquireWith(this.map, 0, false, 0, true, null, at);
  };
  private readonly releaseBody = (at: string): void => {
    this.r.m.release(this.map, at);
  };
  private readonly readBeginBody = (at: string): void => {
    const m = this.r.m;
    const flags = m.irqSave();
    m.acquireWith(this.map, 0, false, 2, true, null, at);
    m.release(this.map, at);
    m.irqRestore(flags);
  };
  writeBegin(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'write_seqcount_begin');
    this.run(this.writeBeginBody, o.at ?? 'write_seqcount_begin', undefined);
  }
  writeEnd(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'write_seqcount_end');
    this.run(this.releaseBody, o.at ?? 'write_seqcount_end', undefined);
  }
  /** read_seqcount_begin(): seqcount_lockdep_reader_access() takes and drops a read map with irqs saved. */
  readBegin(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'read_seqcount_begin');
    this.run(this.readBeginBody, o.at ?? 'read_seqcount_begin', undefined);
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

function checkBool(v: unknown, what: string): boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean')
    throw new UsageError(`lock_acquire(): options.${what} must be a boolean, got ${typeof v}`);
  return v;
}

/** A bare struct lockdep_map (lock_map_acquire() and friends). */
export class LockdepMapAnnotation extends LockBase {
  /** @internal */
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map);
  }
  private readonly acquireBody = (o: MapAcquireOptions, at: string): void => {
    this.r.m.acquireWith(
      this.map,
      o.subclass ?? 0,
      o.trylock ?? false,
      o.read ?? 0,
      o.check ?? true,
      null,
      at,
    );
  };
  /** lock_acquire() with explicit arguments */
  acquire(o: MapAcquireOptions = NO_OPTIONS): void {
    checkOptions(o, 'lock_acquire');
    checkSubclass(o.subclass, 'lock_acquire');
    if (o.read !== undefined && o.read !== 0 && o.read !== 1 && o.read !== 2)
      throw new UsageError(
        `lock_acquire(): options.read must be 0, 1 or 2, got ${JSON.stringify(o.read) ?? typeof o.read}`,
      );
    checkBool(o.trylock, 'trylock');
    checkBool(o.check, 'check');
    this.run(this.acquireBody, o, o.at ?? 'lock_map_acquire');
  }
  /** lock_map_acquire_try() */
  acquireTry(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'lock_map_acquire_try');
    this.acquire({ trylock: true, at: o.at ?? 'lock_map_acquire_try' });
  }
  /** lock_map_acquire_read() */
  acquireRead(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'lock_map_acquire_read');
    this.acquire({ read: 2, at: o.at ?? 'lock_map_acquire_read' });
  }
  private readonly releaseBody = (at: string): void => {
    this.r.m.release(this.map, at);
  };
  release(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'lock_map_release');
    this.run(this.releaseBody, o.at ?? 'lock_map_release', undefined);
  }
}

/** DEFINE_WAIT_OVERRIDE_MAP(name, type): taken with lock_map_acquire_try(). */
export class WaitOverrideMap extends LockdepMapAnnotation {
  /** lock_map_acquire_try(&map): how overrides are entered */
  enter(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'lock_map_acquire_try');
    this.acquireTry({ at: o.at ?? 'lock_map_acquire_try' });
  }
  exit(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'lock_map_release');
    this.release({ at: o.at ?? 'lock_map_release' });
  }
}
