/**
 * Sleeping locks: struct mutex, struct rt_mutex, struct rw_semaphore (wait type SLEEP
 * {4:4}) and struct percpu_rw_semaphore (no wait type: {0:0}, but might_sleep()).
 * Every blocking acquisition calls might_sleep() first; an acquisition that finds the
 * lock taken blocks, which is a call into the scheduler.
 */
import type { LockdepMap } from '../core/lockdepMap';
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
import type { NestOptions } from './spinlock';
import type { Runtime } from './runtime';

abstract class SleepingBase extends LockBase {
  protected readers = 0;
  protected writer = false;
  /** might_sleep() reasons by API name, built on first use rather than per call */
  private readonly reasons = new Map<string, string>();

  /** @internal */
  constructor(
    r: Runtime,
    map: LockdepMap,
    private readonly site: string,
  ) {
    super(r, map);
  }

  private reason(fn: string): string {
    let s = this.reasons.get(fn);
    if (s === undefined) {
      s = `${fn}(${this.map.name})`;
      this.reasons.set(fn, s);
    }
    return s;
  }

  /** A blocking acquisition as one operation: arguments checked before anything changes. */
  protected acquireOp(read: 0 | 1, o: NestOptions, fn: string): void {
    checkOptions(o, fn);
    const subclass = checkSubclass(o.subclass, fn);
    const nest = this.nestMap(o.nestLock, fn);
    const at = o.at ?? fn;
    const m = this.r.m;
    m.opBegin();
    try {
      m.mightSleep(this.site, this.reason(fn));
      m.acquireWith(this.map, subclass, false, read, true, nest, at);
      if (this.writer || (!read && this.readers > 0))
        m.schedule(`${fn}(${this.map.name}) blocks: the lock is held`);
      if (read) this.readers++;
      else this.writer = true;
    } catch (e) {
      m.opAbort();
      throw e;
    }
    m.opEnd();
  }

  private readonly tryBody = (read: 0 | 1, at: string): boolean => {
    if (this.writer || (!read && this.readers > 0)) return false;
    this.r.m.acquireWith(this.map, 0, true, read, true, null, at);
    if (read) this.readers++;
    else this.writer = true;
    return true;
  };

  protected tryOp(read: 0 | 1, o: CallOptions, fn: string): boolean {
    checkOptions(o, fn);
    return this.run(this.tryBody, read, o.at ?? fn);
  }

  private readonly releaseBody = (read: boolean, at: string): void => {
    if (!this.r.m.release(this.map, at)) return;
    if (read) this.readers = Math.max(0, this.readers - 1);
    else this.writer = false;
  };

  protected releaseOp(read: boolean, o: CallOptions, fn: string): void {
    checkOptions(o, fn);
    this.run(this.releaseBody, read, o.at ?? fn);
  }
}

/**
 * struct mutex and struct rt_mutex take the same lockdep path under their own names:
 * might_sleep(), then mutex_acquire() (exclusive, nested or nest_lock'ed); mutex_release()
 * on unlock.
 */
abstract class MutexBase extends SleepingBase {
  /** the API names, built once from the prefix (`mutex`, `rt_mutex`) */
  private readonly lockApi: string;
  private readonly trylockApi: string;
  private readonly unlockApi: string;

  /** @internal */
  constructor(r: Runtime, map: LockdepMap, site: string, api: string) {
    super(r, map, site);
    this.lockApi = `${api}_lock`;
    this.trylockApi = `${api}_trylock`;
    this.unlockApi = `${api}_unlock`;
  }
  /** *_lock() / *_lock_nested() / *_lock_nest_lock() */
  lock(o: NestOptions = NO_OPTIONS): void {
    this.acquireOp(0, o, this.lockApi);
  }
  /** *_trylock(): true when acquired */
  trylock(o: CallOptions = NO_OPTIONS): boolean {
    return this.tryOp(0, o, this.trylockApi);
  }
  unlock(o: CallOptions = NO_OPTIONS): void {
    this.releaseOp(false, o, this.unlockApi);
  }
}

/** struct mutex */
export class Mutex extends MutexBase {
  /** @internal DEFINE_MUTEX / mutex_init(): lockdep_init_map_wait(.., LD_WAIT_SLEEP), {4:4} */
  static readonly decl: LockWaitTypes = lockdepInitMapWait(LD_WAIT.SLEEP);
  /** @internal */
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'kernel/locking/mutex.c:585', 'mutex');
  }
  /**
   * mutex_lock_interruptible() / mutex_lock_killable(): the same might_sleep() and
   * lockdep acquisition as mutex_lock(); the model never delivers a signal, so they
   * return 0 (acquired).
   */
  lockInterruptible(o: NestOptions = NO_OPTIONS): number {
    this.acquireOp(0, o, 'mutex_lock_interruptible');
    return 0;
  }
  lockKillable(o: NestOptions = NO_OPTIONS): number {
    this.acquireOp(0, o, 'mutex_lock_killable');
    return 0;
  }
}

/** struct rt_mutex */
export class RtMutex extends MutexBase {
  /** @internal DEFINE_RT_MUTEX / rt_mutex_init(): lockdep_init_map_wait(.., LD_WAIT_SLEEP), {4:4} */
  static readonly decl: LockWaitTypes = lockdepInitMapWait(LD_WAIT.SLEEP);
  /** @internal */
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'kernel/locking/rtmutex_api.c:81', 'rt_mutex');
  }
}

/** The API names of one reader-writer sleeping lock family (`down_read`, `percpu_down_read`, ...). */
function rwSites(prefix: string) {
  return {
    downRead: `${prefix}down_read`,
    upRead: `${prefix}up_read`,
    downWrite: `${prefix}down_write`,
    upWrite: `${prefix}up_write`,
    downReadTrylock: `${prefix}down_read_trylock`,
  } as const;
}
type RwSites = ReturnType<typeof rwSites>;
const RWSEM_SITES = rwSites('');
const PERCPU_RWSEM_SITES = rwSites('percpu_');

/**
 * struct rw_semaphore and struct percpu_rw_semaphore take the same lockdep path under
 * their own names: rwsem_acquire_read() (read=1, non-recursive) and rwsem_acquire() after
 * might_sleep(), rwsem_release() on up. `O` is what the down calls accept: only
 * rw_semaphore has the _nested / _nest_lock variants.
 */
abstract class RwSleepingBase<O extends CallOptions> extends SleepingBase {
  /** @internal */
  constructor(
    r: Runtime,
    map: LockdepMap,
    site: string,
    private readonly s: RwSites,
  ) {
    super(r, map, site);
  }
  downRead(o: O = NO_OPTIONS as O): void {
    this.acquireOp(1, o, this.s.downRead);
  }
  upRead(o: CallOptions = NO_OPTIONS): void {
    this.releaseOp(true, o, this.s.upRead);
  }
  downWrite(o: O = NO_OPTIONS as O): void {
    this.acquireOp(0, o, this.s.downWrite);
  }
  upWrite(o: CallOptions = NO_OPTIONS): void {
    this.releaseOp(false, o, this.s.upWrite);
  }
  downReadTrylock(o: CallOptions = NO_OPTIONS): boolean {
    return this.tryOp(1, o, this.s.downReadTrylock);
  }
}

/** struct rw_semaphore: readers are non-recursive (read=1). */
export class RwSemaphore extends RwSleepingBase<NestOptions> {
  /** @internal DECLARE_RWSEM / init_rwsem(): lockdep_init_map_wait(.., LD_WAIT_SLEEP), {4:4} */
  static readonly decl: LockWaitTypes = lockdepInitMapWait(LD_WAIT.SLEEP);
  /** @internal */
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'kernel/locking/rwsem.c:1524', RWSEM_SITES);
  }
  downWriteTrylock(o: CallOptions = NO_OPTIONS): boolean {
    return this.tryOp(0, o, 'down_write_trylock');
  }

  private readonly downgradeBody = (at: string): void => {
    if (!this.r.m.downgrade(this.map, at)) return;
    this.writer = false;
    this.readers++;
  };

  /** downgrade_write(): lock_downgrade(); the writer becomes a (non-recursive) reader. */
  downgradeWrite(o: CallOptions = NO_OPTIONS): void {
    checkOptions(o, 'downgrade_write');
    this.run(this.downgradeBody, o.at ?? 'downgrade_write', undefined);
  }
}

/** struct percpu_rw_semaphore: lockdep_init_map() without wait types, so only might_sleep() bites. */
export class PercpuRwSemaphore extends RwSleepingBase<CallOptions> {
  /** @internal percpu_init_rwsem(): lockdep_init_map() without wait types, {0:0} */
  static readonly decl: LockWaitTypes = lockdepInitMapWait(LD_WAIT.INV);
  /** @internal */
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'kernel/locking/percpu-rwsem.c:163', PERCPU_RWSEM_SITES);
  }
}
