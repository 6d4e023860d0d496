/**
 * Lockdep annotations that are not locks of their own: SRCU read sections, seqcounts,
 * a raw lockdep_map with explicit wait types, and DEFINE_WAIT_OVERRIDE_MAP().
 */
import { UsageError } from '../core/errors';
import { LD_WAIT } from '../core/waitType';
import {
  checkOptions,
  checkSubclass,
  LockBase,
  lockdepInitMapWait,
  NO_OPTIONS,
  type CallOptions,
  type LockWaitTypes,
} from './lockBase';

/**
 * What the annotations share: every call checks its options, then runs one body bound
 * once per lock with the call's site, and most of them end in a plain lock_release().
 */
abstract class Annotation extends LockBase {
  /** @internal lock_release(map, ip) */
  protected readonly releaseBody = (at: string): void => {
    this.r.m.release(this.map, at);
  };

  /** @internal one call of `api`: options checked, then `body` at o.at (default: the API name) */
  protected op(body: (at: string) => void, o: CallOptions, api: string): void {
    checkOptions(o, api);
    this.run(body, o.at ?? api, undefined);
  }
}

/** struct srcu_struct: lockdep_init_map() without wait types ({0:0}); readers are recursive. */
export class Srcu extends Annotation {
  /** @internal init_srcu_struct(): lockdep_init_map(), {0:0} */
  static readonly decl: LockWaitTypes = lockdepInitMapWait(LD_WAIT.INV);
  private readonly readLockBody = (at: string): void => {
    this.r.m.acquireWith(this.map, 0, false, 2, true, null, at);
  };
  /** srcu_read_lock(): srcu_lock_acquire() = lock_map_acquire_read(). */
  readLock(o: CallOptions = NO_OPTIONS): void {
    this.op(this.readLockBody, o, 'srcu_read_lock');
  }
  readUnlock(o: CallOptions = NO_OPTIONS): void {
    this.op(this.releaseBody, o, 'srcu_read_unlock');
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
    this.op(this.synchronizeBody, o, 'synchronize_srcu');
  }
}

/** seqcount_t: unchecked map ({0:0}); the writer is exclusive, readers recursive. */
export class Seqcount extends Annotation {
  /** @internal seqcount_init(): lockdep_init_map(), {0:0} */
  static readonly decl: LockWaitTypes = lockdepInitMapWait(LD_WAIT.INV);
  private readonly writeBeginBody = (at: string): void => {
    this.r.m.acquireWith(this.map, 0, false, 0, true, null, at);
  };
  private readonly readBeginBody = (at: string): void => {
    const m = this.r.m;
    const flags = m.irqSave();
    m.acquireWith(this.map, 0, false, 2, true, null, at);
    m.release(this.map, at);
    m.irqRestore(flags);
  };
  writeBegin(o: CallOptions = NO_OPTIONS): void {
    this.op(this.writeBeginBody, o, 'write_seqcount_begin');
  }
  writeEnd(o: CallOptions = NO_OPTIONS): void {
    this.op(this.releaseBody, o, 'write_seqcount_end');
  }
  /** read_seqcount_begin(): seqcount_lockdep_reader_access() takes and drops a read map with irqs saved. */
  readBegin(o: CallOptions = NO_OPTIONS): void {
    this.op(this.readBeginBody, o, 'read_seqcount_begin');
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
export class LockdepMapAnnotation extends Annotation {
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
  release(o: CallOptions = NO_OPTIONS): void {
    this.op(this.releaseBody, o, 'lock_map_release');
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
