/**
 * Sleeping locks: struct mutex, struct rt_mutex, struct rw_semaphore (wait type SLEEP
 * {4:4}) and struct percpu_rw_semaphore (no wait type: {0:0}, but might_sleep()).
 * Every blocking acquisition calls might_sleep() first; an acquisition that finds the
 * lock taken blocks, which is a call into the scheduler.
 */
import type { LockdepMap } from '../core/lockdepMap';
import { LockBase, type CallOptions } from './lockBase';
import type { NestOptions } from './spinlock';
import type { Runtime } from './runtime';

abstract class SleepingBase extends LockBase {
  protected readers = 0;
  protected writer = false;

  constructor(
    r: Runtime,
    map: LockdepMap,
    private readonly site: string,
  ) {
    super(r, map);
  }

  protected sleepAcquire(read: 0 | 1, o: NestOptions, fn: string): void {
    const r = this.r;
    const at = o.at ?? fn;
    r.m.mightSleep(this.site, `${fn}(${this.map.name})`);
    r.m.acquire(this.map, {
      read,
      subclass: o.subclass,
      nestLock: o.nestLock ? o.nestLock.map : null,
      at,
    });
    if (this.writer || (!read && this.readers > 0))
      r.m.schedule(`${fn}(${this.map.name}) blocks: the lock is held`);
    if (read) this.readers++;
    else this.writer = true;
  }

  protected sleepTry(read: 0 | 1, at: string): boolean {
    if (this.writer || (!read && this.readers > 0)) return false;
    this.r.m.acquire(this.map, { read, trylock: true, at });
    if (read) this.readers++;
    else this.writer = true;
    return true;
  }

  protected sleepRelease(read: boolean, at: string): void {
    if (!this.r.m.release(this.map, at)) return;
    if (read) this.readers = Math.max(0, this.readers - 1);
    else this.writer = false;
  }
}

/** struct mutex */
export class Mutex extends SleepingBase {
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'kernel/locking/mutex.c:585');
  }
  /** mutex_lock() / mutex_lock_nested() / mutex_lock_nest_lock() */
  lock(o: NestOptions = {}): void {
    this.op(() => this.sleepAcquire(0, o, 'mutex_lock'));
  }
  /**
   * mutex_lock_interruptible() / mutex_lock_killable(): the same might_sleep() and
   * lockdep acquisition as mutex_lock(); the model never delivers a signal, so they
   * return 0 (acquired).
   */
  lockInterruptible(o: NestOptions = {}): number {
    return this.op(() => (this.sleepAcquire(0, o, 'mutex_lock_interruptible'), 0));
  }
  lockKillable(o: NestOptions = {}): number {
    return this.op(() => (this.sleepAcquire(0, o, 'mutex_lock_killable'), 0));
  }
  /** mutex_trylock(): true when acquired */
  trylock(o: CallOptions = {}): boolean {
    return this.op(() => this.sleepTry(0, o.at ?? 'mutex_trylock'));
  }
  unlock(o: CallOptions = {}): void {
    this.op(() => this.sleepRelease(false, o.at ?? 'mutex_unlock'));
  }
}

/** struct rt_mutex */
export class RtMutex extends SleepingBase {
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'kernel/locking/rtmutex_api.c:81');
  }
  lock(o: NestOptions = {}): void {
    this.op(() => this.sleepAcquire(0, o, 'rt_mutex_lock'));
  }
  trylock(o: CallOptions = {}): boolean {
    return this.op(() => this.sleepTry(0, o.at ?? 'rt_mutex_trylock'));
  }
  unlock(o: CallOptions = {}): void {
    this.op(() => this.sleepRelease(false, o.at ?? 'rt_mutex_unlock'));
  }
}

/** struct rw_semaphore: readers are non-recursive (read=1). */
export class RwSemaphore extends SleepingBase {
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'kernel/locking/rwsem.c:1524');
  }
  downRead(o: NestOptions = {}): void {
    this.op(() => this.sleepAcquire(1, o, 'down_read'));
  }
  upRead(o: CallOptions = {}): void {
    this.op(() => this.sleepRelease(true, o.at ?? 'up_read'));
  }
  downWrite(o: NestOptions = {}): void {
    this.op(() => this.sleepAcquire(0, o, 'down_write'));
  }
  upWrite(o: CallOptions = {}): void {
    this.op(() => this.sleepRelease(false, o.at ?? 'up_write'));
  }
  downReadTrylock(o: CallOptions = {}): boolean {
    return this.op(() => this.sleepTry(1, o.at ?? 'down_read_trylock'));
  }
  downWriteTrylock(o: CallOptions = {}): boolean {
    return this.op(() => this.sleepTry(0, o.at ?? 'down_write_trylock'));
  }
  /** downgrade_write(): lock_downgrade(); the writer becomes a (non-recursive) reader. */
  downgradeWrite(o: CallOptions = {}): void {
    this.op(() => {
      if (!this.r.m.downgrade(this.map, o.at ?? 'downgrade_write')) return;
      this.writer = false;
      this.readers++;
    });
  }
}

/** struct percpu_rw_semaphore: lockdep_init_map() without wait types, so only might_sleep() bites. */
export class PercpuRwSemaphore extends SleepingBase {
  constructor(r: Runtime, map: LockdepMap) {
    super(r, map, 'kernel/locking/percpu-rwsem.c:163');
  }
  downRead(o: CallOptions = {}): void {
    this.op(() => this.sleepAcquire(1, o, 'percpu_down_read'));
  }
  upRead(o: CallOptions = {}): void {
    this.op(() => this.sleepRelease(true, o.at ?? 'percpu_up_read'));
  }
  downWrite(o: CallOptions = {}): void {
    this.op(() => this.sleepAcquire(0, o, 'percpu_down_write'));
  }
  upWrite(o: CallOptions = {}): void {
    this.op(() => this.sleepRelease(false, o.at ?? 'percpu_up_write'));
  }
  downReadTrylock(o: CallOptions = {}): boolean {
    return this.op(() => this.sleepTry(1, o.at ?? 'percpu_down_read_trylock'));
  }
}
